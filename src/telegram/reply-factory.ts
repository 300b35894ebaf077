import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ReplyParams, StreamingReply as ChatReply } from './features/chat.ts';
import type { TelegramOutbox } from './outbox.ts';
import { createStreamingReply } from './stream-reply.ts';
import { stopData } from '../core/keys/callback-data.ts';
import { turnFinalKey } from '../core/keys/dedupe-keys.ts';
import { telegramTexts } from './telegram-texts.ts';

/**
 * Builds the chat feature's replies on the streaming reply: drafts in private chats, a throttled preview message with
 * a Stop button in groups, and one final answer deduplicated per update (a resumed turn never posts twice).
 */
export function createReplyFactory(deps: { outbox: TelegramOutbox; clock: Clock; log: Logger }) {
  return (params: ReplyParams): ChatReply => {
    const reply = createStreamingReply({
      outbox: deps.outbox,
      chat: params.to,
      clock: deps.clock,
      log: deps.log,
      mode: params.to.type === 'private' ? 'draft' : 'edit',
      ...(params.replyTo !== undefined ? { replyTo: params.replyTo } : {}),
      stopKeyboard: [
        [{ text: telegramTexts(params.locale ?? 'en').stopButton, data: stopData.encode(params.updateId) }],
      ],
      dedupeKey: turnFinalKey.encode(params.updateId),
      ...(params.transcript ? { transcript: params.transcript } : {}),
      ...(params.locale ? { locale: params.locale } : {}),
    });
    return {
      onEvent(event) {
        if (
          !params.showProgress &&
          (event.type === 'tool-start' || event.type === 'tool-progress' || event.type === 'status')
        )
          return;
        reply.onEvent(event);
      },
      finish: (outcome, extra) =>
        reply.finish({ ...outcome, ...(extra?.keyboard ? { keyboard: extra.keyboard } : {}) }),
      fail: (text, keyboard) => reply.fail(text, keyboard),
    };
  };
}
