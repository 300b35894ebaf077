import { type Api, InputFile } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Delivery, Keyboard, OutMessage, Outbox } from '../core/outbox.ts';
import type { Store } from '../store/db.ts';
import { type ApiFailure, classifyApiError } from './api-errors.ts';
import { htmlToPlain, markdownToHtml } from './format.ts';
import { toReplyMarkup } from './keyboard.ts';
import type { Lane, RateLimiter } from './rate-limiter.ts';
import { TELEGRAM_TEXT_LIMIT, splitHtml, splitPlain, tailOf, visibleLength } from './split.ts';

/** The Bot API methods the outbox uses; `bot.api` satisfies it. */
export type TelegramApi = Pick<
  Api,
  | 'sendMessage'
  | 'editMessageText'
  | 'editMessageReplyMarkup'
  | 'sendDocument'
  | 'sendChatAction'
  | 'deleteMessage'
  | 'sendMessageDraft'
>;

/** grammY types its AbortSignal parameter with the `abort-controller` shim; Node's signal works at runtime. */
type ApiSignal = NonNullable<Parameters<Api['sendMessage']>[3]>;

export interface RetryOptions {
  /** Attempts per call for transient failures (5xx, network errors, timeouts). Default 5. */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt with jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Backoff cap. Default 15 s. */
  maxDelayMs?: number;
  /** 429 answers tolerated per call before giving up. Default 30. */
  maxRateLimitRetries?: number;
  /** A `retry_after` longer than this is not waited out; the send fails instead. Default 5 min. */
  maxRetryAfterMs?: number;
  /** Per-request network timeout (real time). Default 30 s. */
  requestTimeoutMs?: number;
}

export interface TelegramOutboxDeps {
  api: TelegramApi;
  store: Store;
  clock: Clock;
  log: Logger;
  limiter: RateLimiter;
  retry?: RetryOptions;
  /** Called when Telegram reports that a group became a supergroup (the new chat id is used from then on). */
  onChatMigrated?: (fromChatId: number, toChatId: number) => void | Promise<void>;
  /** Visible-length limit per message (tests use smaller values). Default 4096. */
  textLimit?: number;
}

export interface EditOptions {
  /** When the message is gone ("message to edit not found"), send the content as a new message instead. */
  sendIfMissing?: boolean;
  /**
   * A streaming-preview update: may be dropped in favour of a newer one with the same key (or when `signal`
   * aborts), isn't retried on transient errors and is never split. Resolves `{ ok: false, reason: 'failed',
   * message: 'superseded' }` when dropped.
   */
  preview?: { key: string; signal?: AbortSignal };
}

export type ChatAction = Parameters<Api['sendChatAction']>[1];

/** The Outbox plus Telegram-only helpers used by streaming replies and features. */
export interface TelegramOutbox extends Outbox {
  edit(to: ChatRef, messageId: number, message: OutMessage, options?: EditOptions): Promise<Delivery>;
  /** Chat action (default `typing`). Light lane: not in the message budget, ~1 per 300 ms per chat. Never throws. */
  sendChatAction(to: ChatRef, action?: ChatAction): Promise<boolean>;
  /** True when a send with this dedupe key was completely delivered (e.g. a turn's final answer before a crash). */
  wasDelivered(dedupeKey: string): Promise<boolean>;
  /** Deletes a message; an already-missing message counts as deleted. Never throws. */
  deleteMessage(to: ChatRef, messageId: number): Promise<boolean>;
  /**
   * Streams a draft (`sendMessageDraft`, private chats). Light lane, coalesced per draft: a newer text replaces a
   * waiting older one. Longer than a message → the tail is shown. Never throws; `false` when dropped or refused.
   */
  sendDraft(
    to: ChatRef,
    draftId: number,
    text: string,
    options?: { format?: 'html' | 'plain'; signal?: AbortSignal },
  ): Promise<boolean>;
}

interface Chunk {
  body: string;
  html: boolean;
}

type CallResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure } | { ok: false; dropped: true };

const DeliveryRow = z.object({
  chat_id: z.number(),
  message_ids: z.string().transform((s, ctx) => {
    try {
      return z.array(z.number().int()).parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'message_ids is not a JSON array of integers' });
      return z.NEVER;
    }
  }),
  parts: z.number().int(),
  chunks_done: z.number().int(),
});

const fail = (reason: 'blocked' | 'chat_not_found' | 'failed', message: string): Delivery => ({
  ok: false,
  reason,
  message,
});

function failureDelivery(f: ApiFailure): Delivery {
  if (f.kind === 'blocked') return fail('blocked', f.description);
  if (f.kind === 'chat_not_found') return fail('chat_not_found', f.description);
  return fail('failed', f.description);
}

/** Creates the one outbound path to Telegram: formatting, splitting, rate limits, retries, dedupe. */
export function createTelegramOutbox(deps: TelegramOutboxDeps): TelegramOutbox {
  const { api, store, clock, limiter } = deps;
  const log = deps.log.child({ module: 'outbox' });
  const limit = deps.textLimit ?? TELEGRAM_TEXT_LIMIT;
  const retry = {
    maxAttempts: deps.retry?.maxAttempts ?? 5,
    baseDelayMs: deps.retry?.baseDelayMs ?? 500,
    maxDelayMs: deps.retry?.maxDelayMs ?? 15_000,
    maxRateLimitRetries: deps.retry?.maxRateLimitRetries ?? 30,
    maxRetryAfterMs: deps.retry?.maxRetryAfterMs ?? 5 * 60_000,
    requestTimeoutMs: deps.retry?.requestTimeoutMs ?? 30_000,
  };
  /** Chats that became supergroups during this process's life. */
  const migrated = new Map<number, number>();
  const inflight = new Map<string, Promise<Delivery>>();

  /** Per-chat chains: one message operation at a time per chat, so parts of two messages never interleave and a
   * retried message keeps its place ahead of later ones. */
  const chains = new Map<number, Promise<void>>();

  const chatOf = (to: ChatRef): number => migrated.get(to.chatId) ?? to.chatId;

  function serial<T>(to: ChatRef, fn: () => Promise<T>): Promise<T> {
    const key = to.chatId;
    const prev = chains.get(key) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return run;
  }
  const thread = (to: ChatRef) => (to.topicId !== undefined ? { message_thread_id: to.topicId } : {});

  function backoff(attempt: number): number {
    const base = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  /**
   * One API call under the limiter, with 429 and transient-error retries. Every other failure is returned for the
   * caller to branch on (parse, too long, not found, blocked, migrated…).
   */
  async function call<T>(
    chatId: number,
    fn: (signal: ApiSignal) => Promise<T>,
    opts: {
      lane?: Lane;
      coalesceKey?: string;
      signal?: AbortSignal;
      retryTransient?: boolean;
      retryRateLimit?: boolean;
    } = {},
  ): Promise<CallResult<T>> {
    let transient = 0;
    let limited = 0;
    for (;;) {
      const grant = await limiter.acquire(chatId, {
        lane: opts.lane ?? 'message',
        coalesceKey: opts.coalesceKey,
        signal: opts.signal,
      });
      if (!grant) return { ok: false, dropped: true };
      try {
        const value = await fn(AbortSignal.timeout(retry.requestTimeoutMs) as unknown as ApiSignal);
        grant.release();
        return { ok: true, value };
      } catch (err) {
        grant.release();
        const f = classifyApiError(err);
        if (f.kind === 'rate_limited') {
          limiter.onRateLimited(chatId, f.retryAfterMs);
          limited++;
          log.warn(
            { chatId, retryAfterMs: f.retryAfterMs, attempt: limited },
            'Telegram rate limit (429); pausing the chat',
          );
          if (
            opts.retryRateLimit === false ||
            limited > retry.maxRateLimitRetries ||
            f.retryAfterMs > retry.maxRetryAfterMs
          ) {
            return { ok: false, failure: f };
          }
          continue;
        }
        if (f.kind === 'transient') {
          transient++;
          if (opts.retryTransient === false || transient >= retry.maxAttempts) return { ok: false, failure: f };
          const wait = backoff(transient);
          log.warn(
            { chatId, attempt: transient, waitMs: wait, err: f.description },
            'Telegram call failed transiently; retrying',
          );
          try {
            await clock.sleep(wait, opts.signal);
          } catch {
            return { ok: false, dropped: true };
          }
          continue;
        }
        return { ok: false, failure: f };
      }
    }
  }

  async function followMigration(from: number, to: number): Promise<void> {
    migrated.set(from, to);
    log.warn({ chatId: from, newChatId: to }, 'Group was upgraded to a supergroup; following the new chat id');
    try {
      await deps.onChatMigrated?.(from, to);
    } catch (err) {
      log.error({ err: toError(err), chatId: from, newChatId: to }, 'onChatMigrated hook failed');
    }
  }

  function render(message: OutMessage, chunkLimit = limit): Chunk[] {
    const format = message.format ?? 'markdown';
    if (format === 'plain') return splitPlain(message.text, chunkLimit).map((body) => ({ body, html: false }));
    const html = format === 'html' ? message.text : markdownToHtml(message.text);
    return splitHtml(html, chunkLimit).map((body) => ({ body, html: true }));
  }

  function resplit(chunk: Chunk, chunkLimit: number): Chunk[] {
    return chunk.html
      ? splitHtml(chunk.body, chunkLimit).map((body) => ({ body, html: true }))
      : splitPlain(chunk.body, chunkLimit).map((body) => ({ body, html: false }));
  }

  /**
   * Sends one chunk; on "can't parse entities" re-sends it as plain text, on "message is too long" re-splits it.
   * Returns the message ids Telegram confirmed (several when re-split).
   */
  async function sendChunk(
    to: ChatRef,
    chunk: Chunk,
    extra: { markup?: InlineKeyboardMarkup; replyTo?: number; silent?: boolean },
    chunkLimit = limit,
  ): Promise<{ ok: true; ids: number[] } | { ok: false; delivery: Delivery }> {
    let current = chunk;
    let migratedOnce = false;
    for (;;) {
      const chatId = chatOf(to);
      const body = current;
      const r = await call(chatId, (signal) =>
        api.sendMessage(
          chatId,
          body.body,
          {
            ...thread(to),
            ...(body.html ? { parse_mode: 'HTML' as const } : {}),
            ...(extra.markup ? { reply_markup: extra.markup } : {}),
            ...(extra.replyTo !== undefined
              ? { reply_parameters: { message_id: extra.replyTo, allow_sending_without_reply: true } }
              : {}),
            ...(extra.silent ? { disable_notification: true } : {}),
          },
          signal,
        ),
      );
      if (r.ok) return { ok: true, ids: [r.value.message_id] };
      if ('dropped' in r) return { ok: false, delivery: fail('failed', 'The outbox is shutting down.') };
      const f = r.failure;
      if (f.kind === 'parse' && current.html) {
        log.warn(
          { chatId, err: f.description },
          "Telegram couldn't parse our HTML; re-sending this part as plain text",
        );
        current = { body: htmlToPlain(current.body, { keepLinks: true }), html: false };
        continue;
      }
      if (f.kind === 'too_long' && chunkLimit > 256) {
        const smaller = Math.floor(chunkLimit / 2);
        log.warn({ chatId, limit: smaller }, 'Telegram said the message is too long; splitting smaller');
        const parts = resplit(current, smaller);
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
      if (f.kind === 'migrated' && !migratedOnce) {
        migratedOnce = true;
        await followMigration(to.chatId, f.newChatId);
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
        return fail(sent.delivery.reason, `Delivered ${i} of ${chunks.length} parts; then: ${sent.delivery.message}`);
      }
      all.push(...sent.ids);
      await onChunk(sent.ids, i + 1);
    }
    return { ok: true, messageIds: all };
  }

  async function sendDeduped(to: ChatRef, message: OutMessage, key: string): Promise<Delivery> {
    const chunks = render(message);
    if (chunks.length === 0) return fail('failed', 'Nothing to send: the message text is empty.');
    let prior: z.infer<typeof DeliveryRow> | undefined;
    try {
      const row = await store.get(
        'SELECT chat_id, message_ids, parts, chunks_done FROM outbox_deliveries WHERE dedupe_key = ?',
        [key],
      );
      if (row) prior = DeliveryRow.parse(row);
    } catch (err) {
      log.error({ err: toError(err), dedupeKey: key }, 'Cannot read the delivery record; sending as new');
    }
    if (prior && prior.chunks_done >= prior.parts) {
      log.info({ dedupeKey: key, chatId: to.chatId }, 'Duplicate send suppressed: returning the recorded delivery');
      return { ok: true, messageIds: prior.message_ids };
    }
    const startAt = prior && prior.parts === chunks.length ? prior.chunks_done : 0;
    const ids = startAt > 0 && prior ? [...prior.message_ids] : [];
    if (startAt > 0) log.info({ dedupeKey: key, startAt, parts: chunks.length }, 'Resuming a partly delivered message');
    const now = clock.now();
    const result = await deliver(to, chunks, message, startAt, async (newIds, done) => {
      ids.push(...newIds);
      try {
        await store.run(
          `INSERT INTO outbox_deliveries (dedupe_key, chat_id, message_ids, parts, chunks_done, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (dedupe_key) DO UPDATE SET chat_id = excluded.chat_id, message_ids = excluded.message_ids,
             parts = excluded.parts, chunks_done = excluded.chunks_done, updated_at = excluded.updated_at`,
          [key, chatOf(to), JSON.stringify(ids), chunks.length, done, now, clock.now()],
        );
      } catch (err) {
        // Delivered but not recorded: a retry could post it again. Logged loudly; the delivery itself stands.
        log.error({ err: toError(err), dedupeKey: key }, 'Cannot record a delivery for dedupe');
      }
    });
    return result.ok ? { ok: true, messageIds: ids } : result;
  }

  async function sendNow(to: ChatRef, message: OutMessage): Promise<Delivery> {
    const chunks = render(message);
    if (chunks.length === 0) return fail('failed', 'Nothing to send: the message text is empty.');
    return deliver(to, chunks, message, 0, async () => undefined);
  }

  async function send(to: ChatRef, message: OutMessage): Promise<Delivery> {
    // Validate the keyboard up front so a bad button throws to the caller instead of failing mid-message.
    toReplyMarkup(message.keyboard);
    const key = message.dedupeKey;
    if (key === undefined) return serial(to, () => sendNow(to, message));
    const running = inflight.get(key);
    if (running) return running;
    const p = serial(to, () => sendDeduped(to, message, key)).finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  }

  async function editChunk(
    to: ChatRef,
    messageId: number,
    chunk: Chunk,
    markup: InlineKeyboardMarkup | undefined,
    preview: EditOptions['preview'],
  ): Promise<{ ok: true } | { ok: false; failure: ApiFailure } | { ok: false; dropped: true }> {
    let current = chunk;
    let migratedOnce = false;
    for (;;) {
      const chatId = chatOf(to);
      const body = current;
      const r = await call(
        chatId,
        (signal) =>
          api.editMessageText(
            chatId,
            messageId,
            body.body,
            { ...(body.html ? { parse_mode: 'HTML' as const } : {}), ...(markup ? { reply_markup: markup } : {}) },
            signal,
          ),
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
        current = { body: htmlToPlain(current.body, { keepLinks: true }), html: false };
        continue;
      }
      if (f.kind === 'migrated' && !migratedOnce) {
        migratedOnce = true;
        await followMigration(to.chatId, f.newChatId);
        continue;
      }
      return r;
    }
  }

  async function edit(
    to: ChatRef,
    messageId: number,
    message: OutMessage,
    options: EditOptions = {},
  ): Promise<Delivery> {
    toReplyMarkup(message.keyboard);
    // Preview updates skip the chain: they are coalesced in the limiter and must not wait behind a final message.
    return options.preview
      ? editNow(to, messageId, message, options)
      : serial(to, () => editNow(to, messageId, message, options));
  }

  async function editNow(to: ChatRef, messageId: number, message: OutMessage, options: EditOptions): Promise<Delivery> {
    let chunks = render(message);
    if (chunks.length === 0) return fail('failed', 'Nothing to show: the new text is empty.');
    if (options.preview && chunks.length > 1) {
      // A preview is one message: show the tail of what has been written so far.
      const plain = chunks.map((c) => (c.html ? htmlToPlain(c.body) : c.body)).join('\n\n');
      chunks = [{ body: tailOf(plain, limit), html: false }];
    }
    const markup = toReplyMarkup(message.keyboard);
    let [first, ...rest] = chunks;
    let r = await editChunk(to, messageId, first!, rest.length === 0 ? markup : undefined, options.preview);
    if (!r.ok && !('dropped' in r) && r.failure.kind === 'too_long') {
      const parts = resplit(first!, Math.floor(limit / 2));
      [first, ...rest] = [...parts, ...rest];
      r = await editChunk(to, messageId, first!, rest.length === 0 ? markup : undefined, options.preview);
    }
    if (!r.ok) {
      if ('dropped' in r) return fail('failed', 'superseded');
      const f = r.failure;
      if (f.kind === 'not_found' && options.sendIfMissing && !options.preview) {
        log.info({ chatId: to.chatId, messageId }, 'Message to edit is gone; sending the content as a new message');
        return sendNow(to, message);
      }
      if (!options.preview)
        log.error({ chatId: to.chatId, messageId, kind: f.kind, err: f.description }, 'Edit failed');
      return failureDelivery(f);
    }
    if (rest.length === 0) return { ok: true, messageIds: [messageId] };
    const more = await deliver(to, rest, { ...message, replyTo: undefined }, 0, async () => undefined);
    if (!more.ok) return fail(more.reason, `Edited the first part; then: ${more.message}`);
    return { ok: true, messageIds: [messageId, ...more.messageIds] };
  }

  async function editKeyboard(to: ChatRef, messageId: number, keyboard: Keyboard | undefined): Promise<Delivery> {
    const markup = toReplyMarkup(keyboard);
    return serial(to, () => editKeyboardNow(to, messageId, markup));
  }

  async function editKeyboardNow(
    to: ChatRef,
    messageId: number,
    markup: InlineKeyboardMarkup | undefined,
  ): Promise<Delivery> {
    const chatId = chatOf(to);
    const r = await call(chatId, (signal) =>
      api.editMessageReplyMarkup(chatId, messageId, markup ? { reply_markup: markup } : {}, signal),
    );
    if (r.ok) return { ok: true, messageIds: [messageId] };
    if ('dropped' in r) return fail('failed', 'The outbox is shutting down.');
    if (r.failure.kind === 'not_modified') return { ok: true, messageIds: [messageId] };
    log.warn({ chatId, messageId, kind: r.failure.kind, err: r.failure.description }, 'Keyboard edit failed');
    return failureDelivery(r.failure);
  }

  function sendDocument(to: ChatRef, file: { name: string; data: Uint8Array; caption?: string }): Promise<Delivery> {
    return serial(to, () => sendDocumentNow(to, file));
  }

  async function sendDocumentNow(
    to: ChatRef,
    file: { name: string; data: Uint8Array; caption?: string },
  ): Promise<Delivery> {
    const caption = file.caption?.trim() ?? '';
    // Captions are limited to 1024 characters; a longer one follows as its own message so nothing is lost.
    const inline = caption !== '' && caption.length <= 1024 ? caption : undefined;
    let migratedOnce = false;
    for (;;) {
      const chatId = chatOf(to);
      const r = await call(chatId, (signal) =>
        api.sendDocument(
          chatId,
          new InputFile(file.data, file.name),
          { ...thread(to), ...(inline ? { caption: inline } : {}) },
          signal,
        ),
      );
      if (r.ok) {
        const ids = [r.value.message_id];
        if (caption !== '' && inline === undefined) {
          const more = await sendNow(to, { text: caption, format: 'plain' });
          if (more.ok) ids.push(...more.messageIds);
        }
        return { ok: true, messageIds: ids };
      }
      if ('dropped' in r) return fail('failed', 'The outbox is shutting down.');
      if (r.failure.kind === 'migrated' && !migratedOnce) {
        migratedOnce = true;
        await followMigration(to.chatId, r.failure.newChatId);
        continue;
      }
      log.error({ chatId, kind: r.failure.kind, err: r.failure.description }, 'Document upload failed');
      return failureDelivery(r.failure);
    }
  }

  async function sendChatAction(to: ChatRef, action: ChatAction = 'typing'): Promise<boolean> {
    const chatId = chatOf(to);
    const r = await call(chatId, (signal) => api.sendChatAction(chatId, action, thread(to), signal), {
      lane: 'light',
      coalesceKey: `action:${chatId}`,
      retryTransient: false,
      retryRateLimit: false,
    });
    if (!r.ok && !('dropped' in r)) log.debug({ chatId, err: r.failure.description }, 'Chat action failed');
    return r.ok;
  }

  function deleteMessage(to: ChatRef, messageId: number): Promise<boolean> {
    return serial(to, () => deleteMessageNow(to, messageId));
  }

  async function deleteMessageNow(to: ChatRef, messageId: number): Promise<boolean> {
    const chatId = chatOf(to);
    const r = await call(chatId, (signal) => api.deleteMessage(chatId, messageId, signal));
    if (r.ok) return true;
    if ('dropped' in r) return false;
    if (r.failure.kind === 'not_found') return true;
    log.warn({ chatId, messageId, err: r.failure.description }, 'Delete failed');
    return false;
  }

  async function sendDraft(
    to: ChatRef,
    draftId: number,
    text: string,
    options: { format?: 'html' | 'plain'; signal?: AbortSignal } = {},
  ): Promise<boolean> {
    const chatId = chatOf(to);
    let html = options.format === 'html';
    let body = text;
    if (html && visibleLength(body) > limit) {
      body = tailOf(htmlToPlain(body), limit);
      html = false;
    } else if (!html) body = tailOf(body, limit);
    for (;;) {
      const payload = body;
      const asHtml = html;
      const r = await call(
        chatId,
        (signal) =>
          api.sendMessageDraft(
            chatId,
            draftId,
            payload,
            { ...thread(to), ...(asHtml ? { parse_mode: 'HTML' as const } : {}) },
            signal,
          ),
        {
          lane: 'light',
          coalesceKey: `draft:${chatId}:${draftId}`,
          signal: options.signal,
          retryTransient: false,
          retryRateLimit: false,
        },
      );
      if (r.ok) return true;
      if ('dropped' in r) return false;
      if (r.failure.kind === 'parse' && asHtml) {
        body = htmlToPlain(payload, { keepLinks: true });
        html = false;
        continue;
      }
      log.debug({ chatId, draftId, err: r.failure.description }, 'Draft update failed');
      return false;
    }
  }

  async function wasDelivered(dedupeKey: string): Promise<boolean> {
    const row = await store.get('SELECT parts, chunks_done FROM outbox_deliveries WHERE dedupe_key = ?', [dedupeKey]);
    return row !== undefined && Number(row.chunks_done) >= Number(row.parts);
  }

  return { send, edit, editKeyboard, sendDocument, sendChatAction, deleteMessage, sendDraft, wasDelivered };
}
