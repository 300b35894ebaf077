import type { Clock } from '../core/clock.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { TelegramOutbox } from './outbox.ts';

/** Sends "typing…" now and every `intervalMs` until `signal` aborts. */
export function startTyping(
  outbox: Pick<TelegramOutbox, 'sendChatAction'>,
  chat: ChatRef,
  clock: Clock,
  intervalMs: number,
  signal: AbortSignal,
): void {
  void (async () => {
    while (!signal.aborted) {
      void outbox.sendChatAction(chat, 'typing');
      try {
        await clock.sleep(intervalMs, signal);
      } catch {
        return;
      }
    }
  })();
}
