import type { ChatRef } from '../core/outbox.ts';
import type { ChatType } from '../core/turn.ts';

/** The chat facts and recall are bound to: private chats share the user's scope; each group is its own scope. */
export interface ScopeChat extends ChatRef {
  type: ChatType;
}

/**
 * The privacy boundary for recall and facts: `u:<userId>` in private chats, `g:<chatId>:u:<userId>` in groups
 * (and channels). Everything is filtered by scope before ranking.
 */
export function scopeOf(userId: number, chat: ScopeChat): string {
  return chat.type === 'private' ? `u:${userId}` : `g:${chat.chatId}:u:${userId}`;
}

/** Forum topic id as stored (0 for none). */
export function topicKey(chat: ChatRef): number {
  return chat.topicId ?? 0;
}
