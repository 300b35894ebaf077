import { Composer } from 'grammy';
import type { Message, Update, UserFromGetMe } from 'grammy/types';
import type { BotContext } from '../context.ts';
import { commandOf, stripUpdate } from '../intake/classify.ts';

/** True when a group message is for this bot: a command (bare or `@bot`), an @mention, or a reply to the bot. */
export function isAddressedToBot(message: Message, me: Pick<UserFromGetMe, 'id' | 'username'>): boolean {
  const text = message.text ?? message.caption ?? '';
  const entities = message.entities ?? message.caption_entities ?? [];
  const username = me.username.toLowerCase();
  const cmd = commandOf(message.text);
  if (cmd && (!cmd.target || cmd.target.toLowerCase() === username)) return true;
  for (const e of entities) {
    if (e.type === 'mention' && text.slice(e.offset, e.offset + e.length).toLowerCase() === `@${username}`) return true;
    if (e.type === 'text_mention' && e.user.id === me.id) return true;
  }
  return message.reply_to_message?.from?.id === me.id;
}

/** True for group chats, where the bot only answers when addressed. */
export function isGroupChat(type: string | undefined): boolean {
  return type === 'group' || type === 'supergroup';
}

/**
 * The one rule for "will the bot answer this message?": every private message, and in groups only messages
 * addressed to the bot. The group rules, intake (metadata-only journaling) and the queued notice all use it.
 */
export function isForBot(message: Message, me: Pick<UserFromGetMe, 'id' | 'username'>): boolean {
  return !isGroupChat(message.chat.type) || isAddressedToBot(message, me);
}

/**
 * The metadata-only copy of a stranger's update that still says whether a group message was for the bot. A mention
 * or a reply to the bot becomes the bare `@username` (nothing else of the text, and no replied-to message, is kept),
 * so the access check can answer the stranger and ask the owner, as in a private chat.
 */
export function stripForStranger(update: Update, me: Pick<UserFromGetMe, 'id' | 'username'> | undefined): Update {
  const stripped = stripUpdate(update);
  const original = update.message;
  const message = stripped.message;
  if (!me || !original || !message || message.text !== undefined) return stripped;
  if (!isGroupChat(original.chat.type) || !isAddressedToBot(original, me)) return stripped;
  const text = `@${me.username}`;
  return {
    ...stripped,
    message: { ...message, text, entities: [{ type: 'mention', offset: 0, length: text.length }] },
  } as Update;
}

/**
 * Group rules: in groups and supergroups only messages addressed to the bot go further; channel posts are
 * never handled. Button presses always pass (they come from our own messages).
 */
export function createGroupsFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    if (ctx.chat?.type === 'channel') return;
    const message = ctx.message;
    if (message && !isForBot(message, ctx.me)) {
      ctx.log.debug('group message not addressed to the bot; ignored');
      return;
    }
    await next();
  });
  return composer;
}

/** Removes the bot's own @mention from a group message so the model sees the question only. */
export function withoutMention(text: string, username: string): string {
  return text
    .replace(new RegExp(`@${username}\\b`, 'gi'), '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}
