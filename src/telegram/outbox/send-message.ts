import type { InlineKeyboardMarkup } from 'grammy/types';
import type { ChatRef, Delivery, OutMessage } from '../../core/outbox.ts';
import { toReplyMarkup } from '../keyboard.ts';
import { type Chunk, asPlainChunk, renderChunks, resplitChunk } from './chunks.ts';
import type { OutboxContext } from './context.ts';
import { failDelivery, failureDelivery, shuttingDown } from './delivery-result.ts';
import { threadParams } from './migrations.ts';

interface ChunkExtra {
  markup?: InlineKeyboardMarkup;
  replyTo?: number;
  silent?: boolean;
}

type ChunkResult = { ok: true; ids: number[] } | { ok: false; delivery: Delivery };

/** Sending new messages: chunk by chunk, with plain-text and re-split fallbacks. */
export interface MessageSender {
  /**
   * Sends `chunks` from `startAt` on (keyboard on the last, reply on the first); `onChunk` hears each confirmed
   * part (its ids and how many parts are done).
   */
  deliver(
    to: ChatRef,
    chunks: Chunk[],
    message: OutMessage,
    startAt: number,
    onChunk: (ids: number[], done: number) => Promise<void>,
  ): Promise<Delivery>;
  /** Renders and sends a message without dedupe. */
  sendNow(to: ChatRef, message: OutMessage): Promise<Delivery>;
}

/** Creates the sender. */
export function createMessageSender(ctx: OutboxContext): MessageSender {
  const { api, call, chats, log } = ctx;

  function sendParams(to: ChatRef, body: Chunk, extra: ChunkExtra) {
    return {
      ...threadParams(to),
      ...(body.html ? { parse_mode: 'HTML' as const } : {}),
      ...(extra.markup ? { reply_markup: extra.markup } : {}),
      ...(extra.replyTo !== undefined
        ? { reply_parameters: { message_id: extra.replyTo, allow_sending_without_reply: true } }
        : {}),
      ...(extra.silent ? { disable_notification: true } : {}),
    };
  }

  /** Re-splits a chunk Telegram found too long and sends the parts (keyboard on the last, reply on the first). */
  async function sendSmaller(to: ChatRef, chunk: Chunk, extra: ChunkExtra, smaller: number): Promise<ChunkResult> {
    const parts = resplitChunk(chunk, smaller);
    const ids: number[] = [];
    for (const [i, part] of parts.entries()) {
      const sent = await sendChunk(
        to,
        part,
        {
          ...(i === parts.length - 1 && extra.markup ? { markup: extra.markup } : {}),
          ...(i === 0 && extra.replyTo !== undefined ? { replyTo: extra.replyTo } : {}),
          silent: extra.silent,
        },
        smaller,
      );
      if (!sent.ok) return sent;
      ids.push(...sent.ids);
    }
    return { ok: true, ids };
  }

  /**
   * Sends one chunk; on "can't parse entities" re-sends it as plain text, on "message is too long" re-splits it.
   * Returns the message ids Telegram confirmed (several when re-split).
   */
  async function sendChunk(to: ChatRef, chunk: Chunk, extra: ChunkExtra, chunkLimit = ctx.limit): Promise<ChunkResult> {
    let current = chunk;
    let migratedOnce = false;
    for (;;) {
      const chatId = chats.chatOf(to);
      const body = current;
      const r = await call(chatId, (signal) => api.sendMessage(chatId, body.body, sendParams(to, body, extra), signal));
      if (r.ok) return { ok: true, ids: [r.value.message_id] };
      if ('dropped' in r) return { ok: false, delivery: shuttingDown() };
      const f = r.failure;
      if (f.kind === 'parse' && current.html) {
        log.warn(
          { chatId, err: f.description },
          "Telegram couldn't parse our HTML; re-sending this part as plain text",
        );
        current = asPlainChunk(current);
        continue;
      }
      if (f.kind === 'too_long' && chunkLimit > 256) {
        const smaller = Math.floor(chunkLimit / 2);
        log.warn({ chatId, limit: smaller }, 'Telegram said the message is too long; splitting smaller');
        return sendSmaller(to, current, extra, smaller);
      }
      if (f.kind === 'migrated' && !migratedOnce) {
        migratedOnce = true;
        await chats.follow(to.chatId, f.newChatId);
        continue;
      }
      log.error({ chatId, kind: f.kind, err: f.description }, 'Telegram refused a message');
      return { ok: false, delivery: failureDelivery(f) };
    }
  }

  async function deliver(
    to: ChatRef,
    chunks: Chunk[],
    message: OutMessage,
    startAt: number,
    onChunk: (ids: number[], done: number) => Promise<void>,
  ): Promise<Delivery> {
    const markup = toReplyMarkup(message.keyboard);
    const all: number[] = [];
    for (let i = startAt; i < chunks.length; i++) {
      const sent = await sendChunk(to, chunks[i]!, {
        ...(i === chunks.length - 1 && markup ? { markup } : {}),
        ...(i === 0 && message.replyTo !== undefined ? { replyTo: message.replyTo } : {}),
        silent: message.silent,
      });
      if (!sent.ok) {
        if (i === 0 || sent.delivery.ok) return sent.delivery;
        return failDelivery(
          sent.delivery.reason,
          `Delivered ${i} of ${chunks.length} parts; then: ${sent.delivery.message}`,
        );
      }
      all.push(...sent.ids);
      await onChunk(sent.ids, i + 1);
    }
    return { ok: true, messageIds: all };
  }

  async function sendNow(to: ChatRef, message: OutMessage): Promise<Delivery> {
    const chunks = renderChunks(message, ctx.limit);
    if (chunks.length === 0) return failDelivery('failed', 'Nothing to send: the message text is empty.');
    return deliver(to, chunks, message, 0, async () => undefined);
  }

  return { deliver, sendNow };
}
