import type { Logger } from '../../core/logger.ts';
import type { Keyboard } from '../../core/outbox.ts';
import type { TurnOutcome } from '../../core/turn.ts';
import type { TelegramOutbox } from '../outbox.ts';
import type { ReplyParams, StreamingReply } from './chat.ts';

/**
 * A non-streaming reply: keeps the typing indicator alive while the turn runs and sends the final answer once,
 * deduplicated by `turn:<update_id>:final`. Used where no streaming reply is wired.
 */
export function createPlainReply(outbox: TelegramOutbox, log: Logger, params: ReplyParams): StreamingReply {
  const { to, updateId } = params;
  let timer: NodeJS.Timeout | undefined = setInterval(() => void outbox.sendChatAction(to, 'typing'), 4500);
  timer.unref();
  void outbox.sendChatAction(to, 'typing');
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const send = async (text: string, keyboard?: Keyboard, format: 'markdown' | 'plain' = 'markdown') => {
    stop();
    const d = await outbox.send(to, {
      text: text.trim() || '…',
      format,
      ...(keyboard && keyboard.length > 0 ? { keyboard } : {}),
      ...(params.replyTo !== undefined ? { replyTo: params.replyTo } : {}),
      dedupeKey: `turn:${updateId}:final`,
    });
    if (!d.ok) log.warn({ reason: d.reason, message: d.message }, 'final reply not delivered');
    return d;
  };
  return {
    onEvent() {},
    finish: (outcome: TurnOutcome, extra) => (outcome.text.trim() ? send(outcome.text, extra?.keyboard) : Promise.resolve(stop())),
    fail: (text, keyboard) => send(text, keyboard, 'plain'),
    abandon: () => {
      stop();
      return undefined;
    },
  };
}
