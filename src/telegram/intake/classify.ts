import type { Message, Update } from 'grammy/types';
import { stopData } from '../../core/keys/callback-data.ts';

/** Update kinds the bot processes; anything else is journaled as `ignored`. */
export const HANDLED_KINDS = ['message', 'edited_message', 'callback_query'] as const;

/** What we ask Telegram for (getUpdates / setWebhook `allowed_updates`). */
export const ALLOWED_UPDATES = [...HANDLED_KINDS, 'my_chat_member'] as const;

/** The update's kind: its one payload field (`message`, `callback_query`, …). */
export function kindOf(update: Update): string {
  for (const key of Object.keys(update)) if (key !== 'update_id') return key;
  return 'unknown';
}

export function isHandledKind(kind: string): boolean {
  return (HANDLED_KINDS as readonly string[]).includes(kind);
}

/** Forum topic of a message, if it was posted in one. */
export function topicOf(
  message: Pick<Message, 'is_topic_message' | 'message_thread_id'> | undefined,
): number | undefined {
  return message?.is_topic_message && message.message_thread_id ? message.message_thread_id : undefined;
}

/** Key of the ordering lane: the chat, plus the forum topic when there is one. */
export function chatKeyFor(chatId: number, topicId?: number): string {
  return topicId ? `${chatId}:${topicId}` : String(chatId);
}

/** The message an update carries (or that a button press belongs to). */
export function messageOf(update: Update): Message | undefined {
  if (update.message) return update.message;
  if (update.edited_message) return update.edited_message;
  const m = update.callback_query?.message;
  return m && 'chat' in m && m.date !== 0 ? (m as Message) : undefined;
}

/** The lane key of an update, or null when it is not tied to a chat. */
export function chatKeyOf(update: Update): string | null {
  const m = update.message ?? update.edited_message;
  if (m) return chatKeyFor(m.chat.id, topicOf(m));
  const cbMessage = update.callback_query?.message;
  if (cbMessage) {
    const topic = 'is_topic_message' in cbMessage ? topicOf(cbMessage as Message) : undefined;
    return chatKeyFor(cbMessage.chat.id, topic);
  }
  if (update.my_chat_member) return String(update.my_chat_member.chat.id);
  return null;
}

/** The user who caused the update. */
export function senderOf(update: Update): { id: number; is_bot: boolean } | undefined {
  return (
    update.message?.from ?? update.edited_message?.from ?? update.callback_query?.from ?? update.my_chat_member?.from
  );
}

const STOP_COMMAND = /^\/stop(?:@\w+)?(?:\s|$)/i;

/**
 * Control updates bypass the chat's queue: `/stop` and the Stop button must reach the turn they cancel
 * while it is still running.
 */
export function isControlUpdate(update: Update): boolean {
  const text = update.message?.text;
  if (text && STOP_COMMAND.test(text)) return true;
  return update.callback_query?.data?.startsWith(stopData.prefix) ?? false;
}

/** Leading bot command of a text (`/start@my_bot args` → `start`), lower-cased. */
export function commandOf(text: string | undefined): { command: string; target?: string } | undefined {
  const m = /^\/([a-z0-9_]{1,32})(?:@(\w+))?(?:\s|$)/i.exec(text ?? '');
  if (!m?.[1]) return undefined;
  return { command: m[1].toLowerCase(), target: m[2] };
}

/**
 * Metadata-only copy of an update for senders we do not serve: ids, chat, sender, date, and a bare
 * command name (so `/start` still works). No text, caption, media or entities are kept.
 */
export function stripUpdate(update: Update): Update {
  const stripMessage = (m: Message): Message => {
    const command = commandOf(m.text);
    const out: Record<string, unknown> = { message_id: m.message_id, date: m.date, chat: m.chat };
    if (m.from) out.from = m.from;
    if (m.message_thread_id !== undefined) out.message_thread_id = m.message_thread_id;
    if (m.is_topic_message) out.is_topic_message = true;
    if (command) {
      const text = `/${command.command}${command.target ? `@${command.target}` : ''}`;
      out.text = text;
      out.entities = [{ type: 'bot_command', offset: 0, length: text.length }];
    }
    return out as unknown as Message;
  };
  if (update.message) return { update_id: update.update_id, message: stripMessage(update.message) } as Update;
  if (update.edited_message)
    return { update_id: update.update_id, edited_message: stripMessage(update.edited_message) } as Update;
  if (update.callback_query) {
    const cq = update.callback_query;
    const msg = cq.message;
    const keptMessage = msg
      ? ({
          message_id: msg.message_id,
          date: msg.date,
          chat: msg.chat,
          ...('message_thread_id' in msg ? { message_thread_id: msg.message_thread_id } : {}),
          ...('is_topic_message' in msg ? { is_topic_message: msg.is_topic_message } : {}),
        } as unknown as Message)
      : undefined;
    return {
      update_id: update.update_id,
      callback_query: {
        id: cq.id,
        from: cq.from,
        chat_instance: cq.chat_instance,
        data: cq.data,
        ...(keptMessage ? { message: keptMessage } : {}),
      },
    } as Update;
  }
  return { update_id: update.update_id } as Update;
}
