import type { InlineKeyboardMarkup } from 'grammy/types';
import type { ChatRef, Delivery, OutMessage } from '../../core/outbox.ts';
import type { ApiFailure } from '../api-errors.ts';
import { toReplyMarkup } from '../keyboard.ts';
import { type Chunk, asPlainChunk, previewChunk, renderChunks, resplitChunk } from './chunks.ts';
import type { OutboxContext } from './context.ts';
import { failDelivery, failureDelivery, shuttingDown } from './delivery-result.ts';
import type { MessageSender } from './send-message.ts';
import type { EditOptions } from './types.ts';

type EditResult = { ok: true } | { ok: false; failure: ApiFailure } | { ok: false; dropped: true };

/** Editing sent messages: text (with overflow sent as new messages) and keyboards. */
export interface MessageEditor {
  editNow(to: ChatRef, messageId: number, message: OutMessage, options: EditOptions): Promise<Delivery>;
  editKeyboardNow(to: ChatRef, messageId: number, markup: InlineKeyboardMarkup | undefined): Promise<Delivery>;
}

/** Creates the editor. */
export function createMessageEditor(ctx: OutboxContext, sender: MessageSender): MessageEditor {
  const { api, call, chats, log } = ctx;

  /** Edits one chunk in; a parse failure retries as plain text, a migration follows the new chat id. */
  async function editChunk(
    to: ChatRef,
    messageId: number,
    chunk: Chunk,
    markup: InlineKeyboardMarkup | undefined,
    preview: EditOptions['preview'],
  ): Promise<EditResult> {
    let current = chunk;
    let migratedOnce = false;
    for (;;) {
      const chatId = chats.chatOf(to);
      const body = current;
      const params = {
        ...(body.html ? { parse_mode: 'HTML' as const } : {}),
        ...(markup ? { reply_markup: markup } : {}),
      };
      const r = await call(
        chatId,
        (signal) => api.editMessageText(chatId, messageId, body.body, params, signal),
        preview
          ? {
              coalesceKey: `preview:${preview.key}`,
              signal: preview.signal,
              retryTransient: false,
              retryRateLimit: false,
            }
          : {},
      );
      if (r.ok) return { ok: true };
      if ('dropped' in r) return r;
      const f = r.failure;
      if (f.kind === 'not_modified') return { ok: true };
      if (f.kind === 'parse' && current.html) {
        log.warn({ chatId, err: f.description }, "Telegram couldn't parse our HTML; editing with plain text");
        current = asPlainChunk(current);
        continue;
      }
      if (f.kind === 'migrated' && !migratedOnce) {
        migratedOnce = true;
        await chats.follow(to.chatId, f.newChatId);
        continue;
      }
      return r;
    }
  }

  /** The failure of an edit as a Delivery (a vanished message is sent anew when asked). */
  function editFailed(
    to: ChatRef,
    messageId: number,
    message: OutMessage,
    options: EditOptions,
    r: Exclude<EditResult, { ok: true }>,
  ): Promise<Delivery> | Delivery {
    if ('dropped' in r) return failDelivery('failed', 'superseded');
    const f = r.failure;
    if (f.kind === 'not_found' && options.sendIfMissing && !options.preview) {
      log.info({ chatId: to.chatId, messageId }, 'Message to edit is gone; sending the content as a new message');
      return sender.sendNow(to, message);
    }
    if (!options.preview) log.error({ chatId: to.chatId, messageId, kind: f.kind, err: f.description }, 'Edit failed');
    return failureDelivery(f);
  }

  async function editNow(to: ChatRef, messageId: number, message: OutMessage, options: EditOptions): Promise<Delivery> {
    let chunks = renderChunks(message, ctx.limit);
    if (chunks.length === 0) return failDelivery('failed', 'Nothing to show: the new text is empty.');
    if (options.preview && chunks.length > 1) chunks = [previewChunk(chunks, ctx.limit)];
    const markup = toReplyMarkup(message.keyboard);
    let [first, ...rest] = chunks;
    let r = await editChunk(to, messageId, first!, rest.length === 0 ? markup : undefined, options.preview);
    if (!r.ok && !('dropped' in r) && r.failure.kind === 'too_long') {
      const parts = resplitChunk(first!, Math.floor(ctx.limit / 2));
      [first, ...rest] = [...parts, ...rest];
      r = await editChunk(to, messageId, first!, rest.length === 0 ? markup : undefined, options.preview);
    }
    if (!r.ok) return editFailed(to, messageId, message, options, r);
    if (rest.length === 0) return { ok: true, messageIds: [messageId] };
    const more = await sender.deliver(to, rest, { ...message, replyTo: undefined }, 0, async () => undefined);
    if (!more.ok) return failDelivery(more.reason, `Edited the first part; then: ${more.message}`);
    return { ok: true, messageIds: [messageId, ...more.messageIds] };
  }

  async function editKeyboardNow(
    to: ChatRef,
    messageId: number,
    markup: InlineKeyboardMarkup | undefined,
  ): Promise<Delivery> {
    const chatId = chats.chatOf(to);
    const r = await call(chatId, (signal) =>
      api.editMessageReplyMarkup(chatId, messageId, markup ? { reply_markup: markup } : {}, signal),
    );
    if (r.ok) return { ok: true, messageIds: [messageId] };
    if ('dropped' in r) return shuttingDown();
    if (r.failure.kind === 'not_modified') return { ok: true, messageIds: [messageId] };
    log.warn({ chatId, messageId, kind: r.failure.kind, err: r.failure.description }, 'Keyboard edit failed');
    return failureDelivery(r.failure);
  }

  return { editNow, editKeyboardNow };
}
