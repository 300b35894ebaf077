import type { Keyboard } from '../core/outbox.ts';
import { encodeCallback } from './callback-data.ts';
import type { ApprovalRecord } from './records.ts';
import { escapeHtml } from '../core/html.ts';

/** Texts and keyboards of approval prompts and questions (Telegram HTML, every user/model string escaped). */


function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A short readable summary of tool arguments: `key: value` lines, at most 6 keys and ~500 characters. Plain text. */
export function summarizeArgs(args: Record<string, unknown>): string {
  const entries = Object.entries(args).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (entries.length === 0) return '(no arguments)';
  const lines = entries.slice(0, 6).map(([k, v]) => `${clip(k, 32)}: ${clip(describeValue(v), 120)}`);
  if (entries.length > 6) lines.push(`… and ${entries.length - 6} more`);
  const text = lines.join('\n');
  return text.length <= 600 ? text : `${text.slice(0, 599)}…`;
}

/** Formats a time for the user: "14:05" today, "3 Mar 14:05" otherwise, in their time zone. */
export function formatTime(at: number, timezone: string, now: number): string {
  const tz = safeZone(timezone);
  const day = (t: number) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, dateStyle: 'short' }).format(t);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
  if (day(at) === day(now)) return time;
  const date = new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'short' }).format(at);
  return `${date} ${time}`;
}

function safeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}

/** "10 minutes", "2 hours", "45 seconds". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? '' : 's'}`;
}

function header(a: ApprovalRecord): string {
  if (a.kind === 'question') return `❓ <b>${escapeHtml(clip(a.question ?? '', 900))}</b>`;
  const via = a.agent && a.agent !== 'router' ? ` <i>(${escapeHtml(a.agent)})</i>` : '';
  const lines = [`🔐 <b>Approval needed:</b> <code>${escapeHtml(a.tool)}</code>${via}`];
  lines.push(`<blockquote>${escapeHtml(a.summary)}</blockquote>`);
  if (a.reason) lines.push(`<i>${escapeHtml(a.reason)}</i>`);
  return lines.join('\n');
}

/** The open prompt: what is asked, who may decide and until when. */
export function promptText(a: ApprovalRecord, now: number): string {
  const until = formatTime(a.expiresAt, a.timezone, now);
  if (a.kind === 'question') {
    const how = a.options.length > 0 ? 'Tap an option or reply with text' : 'Reply with your answer';
    return `${header(a)}\n${how} (until ${until}; then I'll continue with “${escapeHtml(a.fallback)}”).`;
  }
  const fallback = a.fallback === 'approve' ? 'approved' : 'denied';
  return `${header(a)}\nFor ${escapeHtml(a.requestedByName)} to decide by ${until} — otherwise it is ${fallback} automatically.`;
}

/** Approve / Deny (+ Always allow in this chat), or up to 6 option buttons for a question. */
export function promptKeyboard(a: ApprovalRecord): Keyboard {
  if (a.kind === 'question') {
    return a.options.map((option, index) => [{ text: clip(option, 60), data: encodeCallback({ kind: 'q', id: a.id, index }) }]);
  }
  const rows: Keyboard = [
    [
      { text: '✅ Approve', data: encodeCallback({ kind: 'ap', id: a.id, action: 'y' }) },
      { text: '❌ Deny', data: encodeCallback({ kind: 'ap', id: a.id, action: 'n' }) },
    ],
  ];
  if (a.allowAlways) rows.push([{ text: '♾️ Always allow in this chat', data: encodeCallback({ kind: 'ap', id: a.id, action: 'a' }) }]);
  return rows;
}

/** One line saying how a closed request ended ("Approved by Ann at 14:05"), plain text. */
export function auditLine(a: ApprovalRecord, now: number): string {
  const at = a.decidedAt === undefined ? '' : ` at ${formatTime(a.decidedAt, a.timezone, now)}`;
  const by = a.decidedByName ?? 'someone';
  switch (a.status) {
    case 'approved':
      return a.always ? `♾️ Always allowed in this chat by ${by}${at}` : `✅ Approved by ${by}${at}`;
    case 'denied':
      return `❌ Denied by ${by}${at}`;
    case 'answered':
      return `💬 Answered by ${by}${at}: “${clip(a.answer ?? '', 200)}”`;
    case 'expired':
      if (a.kind === 'question') return `⌛ Expired — continued with “${clip(a.fallback, 100)}”`;
      return a.fallback === 'approve' ? '⌛ Expired — approved automatically' : '⌛ Expired — denied';
    default:
      return `⏳ Waiting (until ${formatTime(a.expiresAt, a.timezone, now)})`;
  }
}

/** The prompt after it closed: the original request plus the audit line, without buttons. */
export function closedText(a: ApprovalRecord, now: number): string {
  return `${header(a)}\n${escapeHtml(auditLine(a, now))}`;
}

/** The callback answer for a click on a request that is no longer open. */
export function alreadyClosedNotice(a: ApprovalRecord, now: number): string {
  if (a.status === 'expired') {
    const at = formatTime(a.expiresAt, a.timezone, now);
    if (a.kind === 'question') return `This question expired at ${at}; I continued with “${clip(a.fallback, 60)}”.`;
    return `This request expired at ${at} and was ${a.fallback === 'approve' ? 'approved' : 'denied'} automatically.`;
  }
  return `Already decided: ${auditLine(a, now).replace(/^\S+\s/, '')}.`;
}
