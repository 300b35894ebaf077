import type { Message } from 'grammy/types';
import type { ChatRef } from '../core/outbox.ts';
import type { ChatType } from '../core/turn.ts';
import type { BotContext } from './context.ts';
import { chatKeyFor, topicOf } from './intake/classify.ts';

/** The message an update is about: the message itself, or the message a pressed button sits on. */
export function contextMessage(ctx: BotContext): Message | undefined {
  if (ctx.message) return ctx.message;
  const m = ctx.callbackQuery?.message;
  return m && m.date !== 0 ? (m as Message) : undefined;
}

/** Where replies to this update go: its chat, and its forum topic if any. */
export function chatRefOf(ctx: BotContext): (ChatRef & { type: ChatType }) | undefined {
  const chat = ctx.chat;
  if (!chat) return undefined;
  const topicId = topicOf(contextMessage(ctx));
  return { chatId: chat.id, type: chat.type, ...(topicId ? { topicId } : {}) };
}

/** The ordering lane key of this update's chat (and topic). */
export function chatKeyOfCtx(ctx: BotContext): string | undefined {
  const ref = chatRefOf(ctx);
  return ref ? chatKeyFor(ref.chatId, ref.topicId) : undefined;
}

/** A short display name for a Telegram user. */
export function displayName(user: { first_name?: string | null; username?: string | null; id: number }): string {
  const name = user.first_name?.trim() || (user.username ? `@${user.username}` : `user ${user.id}`);
  return user.username && user.first_name ? `${name} (@${user.username})` : name;
}
