import type { Delivery } from '../../core/outbox.ts';
import type { ApiFailure } from '../api-errors.ts';

/** A failed Delivery value. */
export const failDelivery = (reason: 'blocked' | 'chat_not_found' | 'failed', message: string): Delivery => ({
  ok: false,
  reason,
  message,
});

/** The Delivery a permanent API failure becomes. */
export function failureDelivery(f: ApiFailure): Delivery {
  if (f.kind === 'blocked') return failDelivery('blocked', f.description);
  if (f.kind === 'chat_not_found') return failDelivery('chat_not_found', f.description);
  return failDelivery('failed', f.description);
}

/** What a send returns when the limiter dropped it because the outbox is closing. */
export const shuttingDown = (): Delivery => failDelivery('failed', 'The outbox is shutting down.');
