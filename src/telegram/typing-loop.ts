import type { Clock } from '../core/clock.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { TelegramOutbox } from './outbox.ts';

/**
 * Sends "typing…" once `delayMs` has passed and then every `intervalMs`, until `signal` aborts. An answer that is
 * there before `delayMs` needs no typing (Telegram advises chat actions only when a reply takes noticeable time), and
 * the first one then goes out while the turn waits for the model instead of competing with the turn's own work.
 */
export function startTyping(
  outbox: Pick<TelegramOutbox, 'sendChatAction'>,
  chat: ChatRef,
  clock: Clock,
  timing: { delayMs: number; intervalMs: number },
  signal: AbortSignal,
): void {
  const { delayMs, intervalMs } = timing;
  void (async () => {
    if (delayMs > 0) {
      try {
        await clock.sleep(delayMs, signal);
      } catch {
        return;
      }
    }
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
