import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ChatRef } from '../../core/outbox.ts';

/** Groups that became supergroups during this process's life, and the hook that tells the app. */
export interface ChatMigrations {
  /** The chat id to send to now (the supergroup's, once migrated). */
  chatOf(to: ChatRef): number;
  /** Records a migration Telegram reported and calls the app's hook (errors logged, never thrown). */
  follow(from: number, to: number): Promise<void>;
}

/** Creates the in-memory migration map. */
export function createChatMigrations(deps: {
  log: Logger;
  onChatMigrated?: (fromChatId: number, toChatId: number) => void | Promise<void>;
}): ChatMigrations {
  const migrated = new Map<number, number>();
  return {
    chatOf: (to) => migrated.get(to.chatId) ?? to.chatId,
    async follow(from, to) {
      migrated.set(from, to);
      deps.log.warn({ chatId: from, newChatId: to }, 'Group was upgraded to a supergroup; following the new chat id');
      try {
        await deps.onChatMigrated?.(from, to);
      } catch (err) {
        deps.log.error({ err: toError(err), chatId: from, newChatId: to }, 'onChatMigrated hook failed');
      }
    },
  };
}

/** The forum-topic parameter for a ChatRef. */
export const threadParams = (to: ChatRef) => (to.topicId !== undefined ? { message_thread_id: to.topicId } : {});
