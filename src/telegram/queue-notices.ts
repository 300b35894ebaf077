import type { Update } from 'grammy/types';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Users } from '../users/users.ts';
import { topicOf } from './intake/classify.ts';
import type { TelegramOutbox } from './outbox.ts';

interface QueueItem {
  updateId: number;
  update: Update;
}

/** The dispatcher's two notices: "⏳ got it" behind a running turn, and the apology when an update is given up. */
export function createQueueNotices(deps: { outbox: TelegramOutbox; users: Users; log: Logger }) {
  const { outbox, users, log } = deps;
  return {
    onQueued(item: QueueItem): void {
      const m = item.update.message;
      if (!m) return;
      const topicId = topicOf(m);
      // A stranger's mention in a group is "for the bot" too, but gets at most the access notice, never this one.
      void (async () => {
        if (m.from && !(await users.isServed(m.from.id).catch(() => false))) return;
        await outbox.send(
          { chatId: m.chat.id, ...(topicId ? { topicId } : {}) },
          {
            text: "⏳ Got it. I'll get to this right after the current reply.",
            format: 'plain',
            replyTo: m.message_id,
            silent: true,
          },
        );
      })().catch((err) => log.warn({ err: toError(err) }, 'queued notice not sent'));
    },
    onGiveUp(item: QueueItem): void {
      const m = item.update.message ?? item.update.callback_query?.message;
      if (!m) return;
      void outbox.send(
        { chatId: m.chat.id },
        {
          text: "Sorry, I couldn't process one of your messages even after several tries. Please send it again.",
          format: 'plain',
          dedupeKey: `turn:${item.updateId}:final`,
        },
      );
    },
  };
}
