import { type Cancel, type Clock, later } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Delivery, Keyboard } from '../core/outbox.ts';
import type { ChatType, TurnEvent, TurnOutcome } from '../core/turn.ts';
import { transcriptHtml } from '../core/voice-transcript.ts';
import { markdownToHtml } from './format.ts';
import type { TelegramOutbox } from './outbox.ts';
import { createPreviewWriter } from './preview-writer.ts';
import { previewBody } from './stream-preview.ts';
import { createStreamText } from './stream-text.ts';
import { startTyping } from './typing-loop.ts';
import { heardKey } from '../core/keys/dedupe-keys.ts';
import type { Locale } from '../i18n/locale.ts';
import { telegramTexts } from './telegram-texts.ts';

export { toolStatus } from './tool-status.ts';

export interface StreamingReplyOptions {
  outbox: TelegramOutbox;
  chat: ChatRef & { type?: ChatType };
  clock: Clock;
  log: Logger;
  /** `draft`: sendMessageDraft previews (private chats). `edit`: one preview message, edited. */
  mode: 'draft' | 'edit';
  replyTo?: number;
  /** Shown under the edit-mode preview (e.g. a Stop button with `sys:stop:<id>`); removed by the final answer. */
  stopKeyboard?: Keyboard;
  /** Dedupe key for the final message (e.g. `reply:<turnId>`), so a resumed turn never posts its answer twice. */
  dedupeKey?: string;
  /** Non-zero draft id, stable for this reply. Default: random. */
  draftId?: number;
  typingIntervalMs?: number;
  /** "typing…" starts once the answer has taken this long. Default 300 ms (the drafts' first preview delay). */
  typingDelayMs?: number;
  /** Minimum gap between preview updates. Default: drafts 500 ms, edits 1 s (3.5 s in groups). */
  previewIntervalMs?: number;
  /** No preview before this much time has passed: quick answers arrive as one message. Default: drafts 300 ms, edits 1 s. */
  firstPreviewDelayMs?: number;
  /**
   * A turn with audio: the answer starts with a `<transcript>` marker. Previews never show the raw marker; with
   * `show` the transcript appears as a "🎙 …" line above the answer, with `hide` it is left out.
   */
  transcript?: 'show' | 'hide';
  /** The language of the bot's own texts here (status lines, the empty-answer notice). Default English. */
  locale?: Locale;
}

export interface StreamingReply {
  onEvent(event: TurnEvent): void;
  /** Delivers the final answer after every preview update has settled. Idempotent. */
  finish(outcome: TurnOutcome | { text: string; keyboard?: Keyboard; transcript?: string }): Promise<Delivery>;
  /** Ends the reply with an error message (and e.g. a Retry button). */
  fail(text: string, keyboard?: Keyboard): Promise<Delivery>;
}

/**
 * A reply that streams while the turn runs and ends with exactly one final answer, delivered after every preview.
 * Typing starts once the answer has taken 0.3 s and is refreshed every ~4.5 s until the end.
 */
export function createStreamingReply(options: StreamingReplyOptions): StreamingReply {
  const { outbox, chat, clock } = options;
  const log = options.log.child({ module: 'stream-reply', chatId: chat.chatId });
  const isGroup = chat.chatId < 0 || (chat.type !== undefined && chat.type !== 'private');
  const typingInterval = options.typingIntervalMs ?? 4500;
  const previewAbort = new AbortController();
  const typingAbort = new AbortController();
  const writer = createPreviewWriter({
    outbox,
    chat,
    log,
    mode: options.mode === 'draft' && !isGroup ? 'draft' : 'edit',
    draftId: options.draftId ?? 1 + Math.floor(Math.random() * 2_000_000_000),
    signal: previewAbort.signal,
    ...(options.stopKeyboard ? { stopKeyboard: options.stopKeyboard } : {}),
    ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
  });
  const interval = () => options.previewIntervalMs ?? (writer.mode() === 'draft' ? 500 : isGroup ? 3500 : 1000);
  const startedAt = clock.now();
  const firstDelay = options.firstPreviewDelayMs ?? (writer.mode() === 'draft' ? 300 : 1000);
  const stream = createStreamText(options.locale);

  let closed = false;
  let lastAt = Number.NEGATIVE_INFINITY;
  let dirty = false;
  let running: Promise<void> | undefined;
  let timer: Cancel | undefined;
  let finished: Promise<Delivery> | undefined;

  const typing = { delayMs: options.typingDelayMs ?? 300, intervalMs: typingInterval };
  startTyping(outbox, chat, clock, typing, typingAbort.signal);

  function markDirty(): void {
    if (closed || writer.off()) return;
    dirty = true;
    schedule();
  }

  function schedule(): void {
    if (running || timer || closed) return;
    const due = Math.max(lastAt + interval(), startedAt + firstDelay);
    timer = later(clock, Math.max(0, due - clock.now()), () => {
      timer = undefined;
      if (closed) return;
      running = flush()
        .catch((err: unknown) => log.warn({ err }, 'Preview update failed'))
        .finally(() => {
          running = undefined;
          if (dirty && !closed) schedule();
        });
    });
  }

  async function flush(): Promise<void> {
    dirty = false;
    const body = previewBody(stream.markdown(), stream.status(), options.transcript);
    if (!body || body.text === writer.lastText()) return;
    lastAt = clock.now();
    if (await writer.write(body)) dirty = true;
  }

  /** Stops typing and previews, and waits until no preview update is queued or in flight. */
  async function settle(): Promise<void> {
    closed = true;
    typingAbort.abort();
    timer?.();
    timer = undefined;
    previewAbort.abort();
    while (running) await running;
  }

  async function deliver(
    text: string,
    keyboard: Keyboard | undefined,
    suspended: boolean,
    transcript?: string,
  ): Promise<Delivery> {
    await settle();
    const previewId = writer.previewId();
    const heard = transcript !== undefined && options.transcript === 'show' ? transcriptHtml(transcript) : undefined;
    // A suspended turn has no answer yet: its voice transcript, if shown, stands alone above the approval prompt.
    const alone = suspended && text.trim() === '';
    if (text.trim() === '') {
      if (suspended && !heard) {
        // The approval prompt follows separately; a half-written preview would only confuse.
        if (previewId !== undefined) await outbox.deleteMessage(chat, previewId);
        return { ok: true, messageIds: [] };
      }
      if (!suspended) text = telegramTexts(options.locale ?? 'en').emptyAnswer;
    }
    const message = {
      ...(heard ? { text: alone ? heard : `${heard}\n\n${markdownToHtml(text)}`, format: 'html' as const } : { text }),
      ...(keyboard ? { keyboard } : {}),
    };
    if (previewId !== undefined) {
      // The preview becomes the first part of the answer (Stop button replaced); later parts follow it.
      const d = await outbox.edit(chat, previewId, message, { sendIfMissing: true });
      if (!d.ok) log.error({ reason: d.reason, err: d.message }, 'Final answer could not be delivered');
      return d;
    }
    // The transcript of a suspended turn is not its final answer: a restart must still run the turn.
    const dedupeKey = options.dedupeKey && (alone ? heardKey(options.dedupeKey) : options.dedupeKey);
    const d = await outbox.send(chat, {
      ...message,
      ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
      ...(dedupeKey ? { dedupeKey } : {}),
    });
    if (!d.ok) log.error({ reason: d.reason, err: d.message }, 'Final answer could not be delivered');
    return d;
  }

  return {
    onEvent(event) {
      if (closed) return;
      if (stream.apply(event)) markDirty();
    },
    finish(outcome) {
      if (!finished) {
        const suspended = 'status' in outcome && outcome.status === 'suspended';
        finished = deliver(outcome.text ?? '', outcome.keyboard, suspended, outcome.transcript);
      }
      return finished;
    },
    fail(text, keyboard) {
      if (!finished) finished = deliver(text, keyboard, false);
      return finished;
    },
  };
}
