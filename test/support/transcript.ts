/**
 * Renders what a user saw in one chat of the fake Telegram as readable text, for tests and the chat guide:
 *
 *     👤 You: Remind me in 1 minute to stretch
 *     🤖 Bot: ⏰ Reminder set for 09:01 (Europe/Berlin), in 1 minute: “stretch”
 *             [✅ Keep] [✖️ Cancel]
 *     👤 You tap [✅ Keep]
 *             (toast: Kept.)
 *     🤖 Bot (edited): ⏰ Reminder set for 09:01 …
 *
 * Formatting is kept simple (*bold*, _italic_, `code`, ~strike~, ||spoiler||, "> " quotes, links as "text (url)").
 * A message the user tapped is shown as it was at the tap, and its later state right after the tap ("(edited): buttons
 * removed" when only the buttons went); other edited messages show their final state marked "(edited)", as Telegram
 * does. Deleted messages, drafts and chat actions are left out (they are gone from the chat). Nothing that varies
 * between runs (dates, ids) is printed; `mask` hides what a scenario itself makes vary (a pairing code, a port).
 */
import type { MessageEntity } from 'grammy/types';
import type { ButtonPress, CallbackAnswer, FakeTelegram, TranscriptEntry } from './fake-telegram.ts';

/** Everything the renderer needs about one chat. */
export interface ChatRecord {
  chatType: 'private' | 'group' | 'supergroup' | 'channel';
  messages: TranscriptEntry[];
  presses: ButtonPress[];
  /** Callback answers (toasts); matched to presses by callback query id. */
  answers: CallbackAnswer[];
  /** First names of the users who wrote in the chat, by user id. */
  names: Record<number, string>;
}

/** A literal string or a pattern (applied to every match), and what to show instead. */
export type Mask = [pattern: RegExp | string, replacement: string];

export interface RenderOptions {
  /** Only this forum topic. */
  topicId?: number;
  /** Start after this message id (e.g. a mark taken after the set-up steps). */
  afterMessageId?: number;
  /** Leave out the chat's first n button presses (those made before the mark). */
  afterPresses?: number;
  /** Stop at this message id (inclusive). */
  untilMessageId?: number;
  /** Label of the bot. Default "Bot". */
  botName?: string;
  /** Label of a user. Default "You" in a private chat, the sender's first name in a group. */
  userName?: (userId: number | undefined) => string;
  /** Replacements for text that differs between runs. */
  mask?: Mask[];
}

/** Continuation lines line up under the text of "🤖 Bot: " / "👤 You: " (an emoji is two columns wide). */
const PAD = ' '.repeat(8);

/** Collects a chat's messages, button presses and toasts from the fake. */
export function chatRecord(tg: FakeTelegram, chatId: number): ChatRecord {
  const messages = tg.transcript(chatId);
  const names: Record<number, string> = {};
  let chatType: ChatRecord['chatType'] = chatId > 0 ? 'private' : 'supergroup';
  for (const m of messages) {
    const raw = tg.message(chatId, m.messageId);
    if (raw?.chat.type) chatType = raw.chat.type;
    if (m.from === 'user' && m.userId !== undefined && raw?.from?.first_name) names[m.userId] = raw.from.first_name;
  }
  return { chatType, messages, presses: tg.presses(chatId), answers: tg.callbackAnswers(), names };
}

/** The chat as text (see the module comment). */
export function renderTranscript(tg: FakeTelegram, chatId: number, options: RenderOptions = {}): string {
  return renderChat(chatRecord(tg, chatId), options);
}

type Item = { key: number; order: number; lines: string[] };

/** Renders a ChatRecord; pure, so the same record always gives the same text. */
export function renderChat(record: ChatRecord, options: RenderOptions = {}): string {
  const after = options.afterMessageId ?? 0;
  const until = options.untilMessageId ?? Number.POSITIVE_INFINITY;
  const inTopic = (m: TranscriptEntry) => options.topicId === undefined || m.topicId === options.topicId;
  const bot = options.botName ?? 'Bot';
  const isPrivate = record.chatType === 'private';
  const userLabel = (userId: number | undefined, fallback?: string): string =>
    options.userName?.(userId) ??
    (isPrivate ? 'You' : ((userId !== undefined ? record.names[userId] : undefined) ?? fallback ?? 'User'));

  const byId = new Map(record.messages.map((m) => [m.messageId, m]));
  const pressesOf = new Map<number, ButtonPress[]>();
  for (const p of record.presses) pressesOf.set(p.messageId, [...(pressesOf.get(p.messageId) ?? []), p]);

  const items: Item[] = [];
  let order = 0;
  for (const m of record.messages) {
    if (m.messageId <= after || m.messageId > until || !inTopic(m)) continue;
    const first = pressesOf.get(m.messageId)?.[0];
    // A tapped message as the user saw it when tapping; later states follow the tap.
    const shown = first ? first.message : m;
    if (!first && m.deleted) continue;
    const label = m.from === 'bot' ? `🤖 ${bot}: ` : `👤 ${userLabel(m.userId)}: `;
    items.push({ key: m.messageId, order: order++, lines: block(label, shown, shown.edits > 0) });
  }

  for (const p of record.presses.slice(options.afterPresses ?? 0)) {
    if (p.afterMessageId < after || p.afterMessageId >= until || !inTopic(p.message)) continue;
    const label = buttonLabel(p.message, p.data);
    const who = isPrivate ? 'You tap' : `${userLabel(p.userId, p.firstName)} taps`;
    const lines = [`👤 ${who} ${label}`];
    const answer = record.answers.find((a) => a.callbackQueryId === p.callbackQueryId);
    if (answer?.text) lines.push(`${PAD}(${answer.showAlert ? 'alert' : 'toast'}: ${answer.text})`);
    // What the tapped message became: its state at the next tap on it, or its final state.
    const taps = pressesOf.get(p.messageId) ?? [];
    const next = taps[taps.indexOf(p) + 1];
    const current = byId.get(p.messageId);
    const later = next ? next.message : current;
    if (later && !next && later.deleted) lines.push(`🤖 ${bot} removed that message.`);
    else if (later && stateOf(later) !== stateOf(p.message)) lines.push(...editedBlock(bot, p.message, later));
    items.push({ key: p.afterMessageId, order: order++, lines });
  }

  items.sort((a, b) => a.key - b.key || a.order - b.order);
  let text = items.flatMap((i) => i.lines).join('\n');
  for (const [pattern, replacement] of options.mask ?? []) {
    text =
      typeof pattern === 'string'
        ? text.split(pattern).join(replacement)
        : text.replace(
            new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
            replacement,
          );
  }
  return text;
}

/** One message: a label on the first line, the rest indented, then one line per keyboard row. */
function block(label: string, m: TranscriptEntry, edited: boolean): string[] {
  const body = bodyOf(m).split('\n');
  if (edited) body[body.length - 1] = `${body.at(-1) ?? ''} (edited)`;
  const lines = body.map((line, i) => (i === 0 ? `${label}${line}` : line === '' ? '' : `${PAD}${line}`));
  for (const row of keyboardRows(m.replyMarkup)) lines.push(`${PAD}${row}`);
  return lines.map((l) => l.trimEnd());
}

/** A tapped message's new state: in full, or only its buttons when the text stayed the same. */
function editedBlock(bot: string, before: TranscriptEntry, after: TranscriptEntry): string[] {
  if (bodyOf(before) !== bodyOf(after)) return block(`🤖 ${bot} (edited): `, after, false);
  const rows = keyboardRows(after.replyMarkup);
  if (rows.length === 0) return [`🤖 ${bot} (edited): buttons removed`];
  return [`🤖 ${bot} (edited): new buttons`, ...rows.map((row) => `${PAD}${row}`)];
}

function bodyOf(m: TranscriptEntry): string {
  const text = formatEntities(m.text, m.entities);
  const withCaption = (head: string) => (text ? `${head}\n${text}` : head);
  switch (m.kind) {
    case 'document':
      return withCaption(`📎 ${m.document?.fileName ?? 'file'}`);
    case 'photo':
      return withCaption('🖼 (photo)');
    case 'voice':
      return withCaption('🎤 (voice message)');
    case 'audio':
      return withCaption('🎵 (audio)');
    default:
      return text || '(message)';
  }
}

/** Comparable state of a message: what the user sees. */
function stateOf(m: TranscriptEntry): string {
  return JSON.stringify([m.deleted, bodyOf(m), keyboardRows(m.replyMarkup)]);
}

interface Button {
  text?: string;
  url?: string;
  callback_data?: string;
}

function buttonsOf(markup: unknown): Button[][] {
  const rows = (markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
  return Array.isArray(rows) ? rows.filter(Array.isArray).map((row) => row as Button[]) : [];
}

/** Inline keyboard rows as "[A] [B]"; a link button gets "↗". */
export function keyboardRows(markup: unknown): string[] {
  return buttonsOf(markup)
    .map((row) => row.map((b) => `[${b.text ?? ''}${b.url ? ' ↗' : ''}]`).join(' '))
    .filter((row) => row !== '');
}

/** "[label]" of the button with this callback data on the message as it was tapped. */
function buttonLabel(m: TranscriptEntry, data: string): string {
  const button = buttonsOf(m.replyMarkup)
    .flat()
    .find((b) => b.callback_data === data);
  return button ? `[${button.text ?? ''}]` : `a button that is no longer there ("${data}")`;
}

const MARKS: Partial<Record<MessageEntity['type'], [string, string]>> = {
  bold: ['*', '*'],
  italic: ['_', '_'],
  strikethrough: ['~', '~'],
  spoiler: ['||', '||'],
  code: ['`', '`'],
};

/** Markers hug the text: "*bold* _(note)_", not "*bold*_ (note)_" (quotes and code keep their whitespace). */
const trimmed =
  (text: string) =>
  (e: MessageEntity): MessageEntity => {
    if (!MARKS[e.type] || e.type === 'code') return e;
    const inner = text.slice(e.offset, e.offset + e.length);
    const lead = inner.length - inner.trimStart().length;
    return { ...e, offset: e.offset + lead, length: inner.trim().length };
  };

/** Telegram text + entities as plain text with simple markers (see the module comment). */
export function formatEntities(text: string, entities: readonly MessageEntity[]): string {
  const sorted = entities
    .map(trimmed(text))
    .filter((e) => e.length > 0)
    .map((e, index) => ({ e, index }))
    .sort((a, b) => a.e.offset - b.e.offset || b.e.length - a.e.length || a.index - b.index);
  const opens = new Map<number, string[]>();
  const closes = new Map<number, string[]>();
  const quotes: [start: number, end: number][] = [];
  const push = (map: Map<number, string[]>, at: number, mark: string, front: boolean) => {
    const list = map.get(at) ?? [];
    if (front) list.unshift(mark);
    else list.push(mark);
    map.set(at, list);
  };
  for (const { e } of sorted) {
    const end = e.offset + e.length;
    if (e.type === 'blockquote' || e.type === 'expandable_blockquote') {
      push(opens, e.offset, '> ', false);
      quotes.push([e.offset, end]);
      continue;
    }
    if (e.type === 'text_link') {
      const label = text.slice(e.offset, end);
      if (e.url !== label) push(closes, end, ` (${e.url})`, true);
      continue;
    }
    const mark = MARKS[e.type];
    if (!mark) continue;
    push(opens, e.offset, mark[0], false);
    // Closed in reverse order of opening, so nested markers stay nested.
    push(closes, end, mark[1], true);
  }
  let out = '';
  for (let i = 0; i <= text.length; i++) {
    out += (closes.get(i) ?? []).join('') + (opens.get(i) ?? []).join('');
    if (i === text.length) break;
    const c = text[i] ?? '';
    out += c;
    // Every line inside a quote starts with "> ".
    if (c === '\n' && quotes.some(([start, end]) => start <= i && i + 1 < end)) out += '> ';
  }
  return out;
}
