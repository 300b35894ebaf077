import type { Api } from 'grammy';
import type { ChatRef, Delivery, OutMessage, Outbox } from '../../core/outbox.ts';

/** The Bot API methods the outbox uses; `bot.api` satisfies it. */
export type TelegramApi = Pick<
  Api,
  | 'sendMessage'
  | 'editMessageText'
  | 'editMessageReplyMarkup'
  | 'sendDocument'
  | 'sendPhoto'
  | 'sendChatAction'
  | 'deleteMessage'
  | 'sendMessageDraft'
>;

/** grammY types its AbortSignal parameter with the `abort-controller` shim; Node's signal works at runtime. */
export type ApiSignal = NonNullable<Parameters<Api['sendMessage']>[3]>;

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

/** A document to upload, with an optional caption. */
export interface OutDocument {
  name: string;
  data: Uint8Array;
  caption?: string;
  /** Send as a photo (shown inline) rather than a document. */
  photo?: boolean;
}

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
