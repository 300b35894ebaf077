import type { Update } from 'grammy/types';
import { toError } from '../core/errors.ts';
import { turnFinalKey } from '../core/keys/dedupe-keys.ts';
import type { Logger } from '../core/logger.ts';
import type { Users } from '../users/users.ts';
import { topicOf } from './intake/classify.ts';
import type { TelegramOutbox } from './outbox.ts';
import { telegramTexts } from './telegram-texts.ts';

interface QueueItem {
  updateId: number;
  update: Update;
}

/** The dispatcher's two notices: "⏳ got it" behind a running turn, and the apology when an update is given up. */
export function createQueueNotices(deps: { outbox: TelegramOutbox; users: Users; log: Logger }) {
  const { outbox, users, log } = deps;
  /** The person's language; English when it cannot be read (the notice must not fail on it). */
  const textsFor = async (userId: number | undefined) =>
    telegramTexts(userId === undefined ? 'en' : await users.localeOf(userId).catch(() => 'en' as const));
  return {
    onQueued(item: QueueItem): void {
      const m = item.update.message;
      if (!m) return;
      const topicId = topicOf(m);
      // A stranger's mention in a group is "for the bot" too, but gets at most the access notice, never this one.
      void (async () => {
        if (m.from && !(await users.isServed(m.from.id).catch(() => false))) return;
        const texts = await textsFor(m.from?.id);
        await outbox.send(
          { chatId: m.chat.id, ...(topicId ? { topicId } : {}) },
          {
            text: texts.queued,
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
      const from = item.update.message?.from ?? item.update.callback_query?.from;
      void textsFor(from?.id).then((texts) =>
        outbox.send(
          { chatId: m.chat.id },
          { text: texts.gaveUp, format: 'plain', dedupeKey: turnFinalKey.encode(item.updateId) },
        ),
      );
    },
  };
}
