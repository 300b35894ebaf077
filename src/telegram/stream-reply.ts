import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Delivery, Keyboard } from '../core/outbox.ts';
import type { ChatType, TurnEvent, TurnOutcome } from '../core/turn.ts';
import { splitStreamingTranscript, transcriptHtml } from '../core/voice-transcript.ts';
import { escapeHtml, htmlToPlain, markdownToHtml } from './format.ts';
import type { TelegramOutbox } from './outbox.ts';
import { TELEGRAM_TEXT_LIMIT, tailOf, visibleLength } from './split.ts';

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
  /** Minimum gap between preview updates. Default: drafts 500 ms, edits 1 s (3.5 s in groups). */
  previewIntervalMs?: number;
  /** No preview before this much time has passed: quick answers arrive as one message. Default: drafts 300 ms, edits 1 s. */
  firstPreviewDelayMs?: number;
  /**
   * A turn with audio: the answer starts with a `<transcript>` marker. Previews never show the raw marker; with
   * `show` the transcript appears as a "🎙 …" line above the answer, with `hide` it is left out.
   */
  transcript?: 'show' | 'hide';
}

export interface StreamingReply {
  onEvent(event: TurnEvent): void;
  /** Delivers the final answer after every preview update has settled. Idempotent. */
  finish(outcome: TurnOutcome | { text: string; keyboard?: Keyboard; transcript?: string }): Promise<Delivery>;
  /** Ends the reply with an error message (and e.g. a Retry button). */
  fail(text: string, keyboard?: Keyboard): Promise<Delivery>;
}

/** What the user sees while a tool runs. */
export function toolStatus(tool: string): string {
  const t = tool.toLowerCase();
  if (t.startsWith('agent_')) return `🤝 Asking the ${t.slice(6).replace(/_/g, ' ')} agent…`;
  if (/search|google|web/.test(t)) return '🔎 Searching the web…';
  if (/fetch|browse|url|read_page/.test(t)) return '🌐 Reading a page…';
  if (/remind|schedule|job|cron/.test(t)) return '⏰ Setting a reminder…';
  if (/recall|memory_search|search_memory/.test(t)) return '🧠 Checking my memory…';
  if (/remember|forget|memory/.test(t)) return '🧠 Updating my memory…';
  if (/ask_user|question/.test(t)) return '❓ Preparing a question…';
  if (/calc|math/.test(t)) return '🧮 Calculating…';
  if (/time|date|clock/.test(t)) return '🕒 Checking the time…';
  return `⚙️ Working (${tool.replace(/_/g, ' ')})…`;
}

const EMPTY_ANSWER =
  "I couldn't put an answer together this time — the reply came back empty. Please try again or rephrase your request.";
const PREVIEW_LIMIT = TELEGRAM_TEXT_LIMIT - 96;

/**
 * A reply that streams while the turn runs and ends with exactly one final answer, delivered after every preview.
 * Typing is refreshed every ~4.5 s until the end.
 */
export function createStreamingReply(options: StreamingReplyOptions): StreamingReply {
  const { outbox, chat, clock } = options;
  const log = options.log.child({ module: 'stream-reply', chatId: chat.chatId });
  const isGroup = chat.chatId < 0 || (chat.type !== undefined && chat.type !== 'private');
  let mode: 'draft' | 'edit' = options.mode === 'draft' && !isGroup ? 'draft' : 'edit';
  const draftId = options.draftId ?? 1 + Math.floor(Math.random() * 2_000_000_000);
  const typingInterval = options.typingIntervalMs ?? 4500;
  const interval = () => options.previewIntervalMs ?? (mode === 'draft' ? 500 : isGroup ? 3500 : 1000);
  const startedAt = clock.now();
  const firstDelay = options.firstPreviewDelayMs ?? (mode === 'draft' ? 300 : 1000);

  /** Streamed text per agent; the preview shows the agent that wrote last (the router often repeats its helper). */
  const texts = new Map<string, string>();
  let lastAgent: string | undefined;
  let status: string | undefined;

  let closed = false;
  let previewsOff = false;
  let previewId: number | undefined;
  let lastBody = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  let dirty = false;
  let running: Promise<void> | undefined;
  let timer: AbortController | undefined;
  const previewAbort = new AbortController();
  const typingAbort = new AbortController();
  let finished: Promise<Delivery> | undefined;

  void (async () => {
    while (!typingAbort.signal.aborted) {
      void outbox.sendChatAction(chat, 'typing');
      try {
        await clock.sleep(typingInterval, typingAbort.signal);
      } catch {
        return;
      }
    }
  })();

  function previewBody(): { text: string; format: 'html' | 'plain' } | undefined {
    let md = lastAgent ? (texts.get(lastAgent) ?? '') : '';
    let heard = '';
    if (options.transcript) {
      const split = splitStreamingTranscript(md);
      md = split.body;
      if (options.transcript === 'show' && split.transcript !== undefined)
        heard = transcriptHtml(split.transcript, !split.complete);
    }
    let html = md.trim() === '' ? '' : markdownToHtml(md);
    html = heard && html ? `${heard}\n\n${html}` : heard || html;
    const statusLine = status ? `<i>${escapeHtml(status)}</i>` : '';
    if (html === '' && statusLine === '') return undefined;
    if (visibleLength(html) + (status?.length ?? 0) > PREVIEW_LIMIT) {
      const plain = tailOf(htmlToPlain(html), PREVIEW_LIMIT - (status?.length ?? 0) - 2);
      return { text: status ? `${plain}\n\n${status}` : plain, format: 'plain' };
    }
    html = html && statusLine ? `${html}\n\n${statusLine}` : html || statusLine;
    return { text: html, format: 'html' };
  }

  function markDirty(): void {
    if (closed || previewsOff) return;
    dirty = true;
    schedule();
  }

  function schedule(): void {
    if (running || timer || closed) return;
    const due = Math.max(lastAt + interval(), startedAt + firstDelay);
    const controller = new AbortController();
    timer = controller;
    clock.sleep(Math.max(0, due - clock.now()), controller.signal).then(
      () => {
        timer = undefined;
        if (closed) return;
        running = flush()
          .catch((err: unknown) => log.warn({ err }, 'Preview update failed'))
          .finally(() => {
            running = undefined;
            if (dirty && !closed) schedule();
          });
      },
      () => {
        timer = undefined;
      },
    );
  }

  async function flush(): Promise<void> {
    dirty = false;
    const body = previewBody();
    if (!body || body.text === lastBody) return;
    lastAt = clock.now();
    if (mode === 'draft') {
      const ok = await outbox.sendDraft(chat, draftId, body.text, { format: body.format, signal: previewAbort.signal });
      if (ok || previewAbort.signal.aborted) {
        if (ok) lastBody = body.text;
        return;
      }
      // Drafts unavailable here (older clients, not a private chat…): fall back to an edited preview message.
      log.info('Draft preview refused; switching to an edited preview message');
      mode = 'edit';
      dirty = true;
      return;
    }
    if (previewId === undefined) {
      const d = await outbox.send(chat, {
        text: body.text,
        format: body.format,
        ...(options.stopKeyboard ? { keyboard: options.stopKeyboard } : {}),
        ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
      });
      if (d.ok) {
        previewId = d.messageIds[0];
        lastBody = body.text;
      } else {
        previewsOff = true;
        log.warn({ reason: d.reason, err: d.message }, 'Preview message failed; the answer will arrive when ready');
      }
      return;
    }
    const d = await outbox.edit(
      chat,
      previewId,
      { text: body.text, format: body.format, ...(options.stopKeyboard ? { keyboard: options.stopKeyboard } : {}) },
      { preview: { key: `${chat.chatId}:${previewId}`, signal: previewAbort.signal } },
    );
    if (d.ok) lastBody = body.text;
    else if (d.message !== 'superseded' && d.reason !== 'failed') previewsOff = true;
  }

  /** Stops typing and previews, and waits until no preview update is queued or in flight. */
  async function settle(): Promise<void> {
    closed = true;
    typingAbort.abort();
    timer?.abort();
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
    const heard = transcript !== undefined && options.transcript === 'show' ? transcriptHtml(transcript) : undefined;
    // A suspended turn has no answer yet: its voice transcript, if shown, stands alone above the approval prompt.
    const alone = suspended && text.trim() === '';
    if (text.trim() === '') {
      if (suspended && !heard) {
        // The approval prompt follows separately; a half-written preview would only confuse.
        if (previewId !== undefined) await outbox.deleteMessage(chat, previewId);
        return { ok: true, messageIds: [] };
      }
      if (!suspended) text = EMPTY_ANSWER;
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
    const dedupeKey = options.dedupeKey && (alone ? `${options.dedupeKey}:heard` : options.dedupeKey);
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
      switch (event.type) {
        case 'text-delta': {
          const before = texts.get(event.agent) ?? '';
          texts.set(event.agent, before + event.text);
          lastAgent = event.agent;
          break;
        }
        case 'agent-finish':
          if (event.text) {
            texts.set(event.agent, event.text);
            lastAgent = event.agent;
          }
          break;
        case 'tool-start':
          status = toolStatus(event.tool);
          break;
        case 'tool-progress':
          status = event.message;
          break;
        case 'tool-result':
          status = undefined;
          break;
        case 'status':
          status = event.message;
          break;
        default:
          return;
      }
      markDirty();
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
