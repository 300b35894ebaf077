import { escapeHtml } from '../core/html.ts';
import type { Keyboard } from '../core/outbox.ts';
import { formatTimeOrDate } from '../core/zoned-time.ts';
import { encodeCallback } from './callback-data.ts';
import { FALLBACK_CONFIRMATION, type Presentation } from './confirmation.ts';
import type { ApprovalRecord } from './records.ts';

/**
 * Texts and keyboards of approval prompts and questions (Telegram HTML, every user/model string escaped).
 * Nothing the approver decides on is cut silently: URLs are shown whole (host first, then path and query, one
 * parameter per line), other arguments in full up to a generous limit, and anything shortened says so with its length.
 */

/** Telegram's limit on one message's visible text (UTF-16 code units after entity parsing). */
const MESSAGE_LIMIT = 4096;
/** Room kept for the lines under the request: who decides and until when, or the audit line of a closed prompt. */
const FOOTER_RESERVE = 400;
/** Per-argument and whole-summary limits for non-URL arguments (plain text). */
const MAX_VALUE_CHARS = 2000;
const MAX_SUMMARY_CHARS = 3000;
const MAX_KEYS = 10;

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

/** True for a string argument that is (or pretends to be) an http(s) URL: the prompt shows those whole, apart. */
export function isUrlArg(value: unknown): value is string {
  return typeof value === 'string' && /^\s*https?:\/\//i.test(value);
}

/** A value in full (whitespace flattened), or its first `max` characters and how long it really is. */
function fullOrCounted(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, max)}… [shortened: ${flat.length.toLocaleString('en-US')} characters in all]`;
}

/**
 * A readable summary of tool arguments: `key: value` lines, values in full up to 2,000 characters each (a longer one
 * says how long it is). URL arguments are left out: the prompt shows them whole from the stored arguments.
 * Empty when every argument is a URL. Plain text.
 */
export function summarizeArgs(args: Record<string, unknown>): string {
  const entries = Object.entries(args).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (entries.length === 0) return '(no arguments)';
  const shown = entries.filter(([, v]) => !isUrlArg(v));
  const lines: string[] = [];
  let used = 0;
  let hidden = 0;
  for (const [k, v] of shown.slice(0, MAX_KEYS)) {
    const line = `${clip(k, 32)}: ${fullOrCounted(describeValue(v), MAX_VALUE_CHARS)}`;
    if (used + line.length > MAX_SUMMARY_CHARS && lines.length > 0) {
      hidden += 1;
      continue;
    }
    lines.push(line);
    used += line.length + 1;
  }
  hidden += Math.max(0, shown.length - MAX_KEYS);
  if (hidden > 0) lines.push(`… and ${hidden} more argument${hidden === 1 ? '' : 's'} not shown`);
  return lines.join('\n');
}

/** One rendered line: its HTML and how many characters Telegram counts for it. */
interface Line {
  html: string;
  visible: number;
}

const line = (html: string, plain: string): Line => ({ html, visible: plain.length });
const codeLine = (plain: string): Line => line(`<code>${escapeHtml(plain)}</code>`, plain);

/**
 * A URL argument, host first and prominent, then the path, each query parameter on its own line and the fragment,
 * exactly as the tool will request it (normalised by the URL parser, so hidden characters show percent-encoded).
 * Within `budget` visible characters; a longer URL is cut with a note giving its full length.
 */
function urlLines(key: string, raw: string, budget: number): Line[] {
  const label = key === 'url' ? '' : `${clip(key, 32)}: `;
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  const head: Line[] = [];
  const body: string[] = [];
  let full: string;
  if (!url) {
    const text = `${label}⚠️ not a valid URL:`;
    head.push(line(`${escapeHtml(label)}⚠️ <b>not a valid URL:</b>`, text));
    full = raw.trim();
    body.push(full);
  } else {
    const notes: string[] = [];
    if (url.protocol === 'http:') notes.push('http, not encrypted');
    if (url.username || url.password) notes.push('contains a user name or password');
    const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    const note = notes.length > 0 ? ` (${notes.join('; ')})` : '';
    head.push(
      line(
        `${escapeHtml(label)}🌐 <b>${escapeHtml(host)}</b>${note ? `<i>${escapeHtml(note)}</i>` : ''}`,
        `${label}🌐 ${host}${note}`,
      ),
    );
    full = url.href;
    body.push(url.pathname || '/');
    const params = url.search.length > 1 ? url.search.slice(1).split('&') : [];
    for (const [i, p] of params.entries()) body.push(`${i === 0 ? '?' : '&'}${p}`);
    if (url.hash) body.push(url.hash);
  }
  const out = [...head];
  // Keep room for the "shortened" note unless the last part fits whole.
  const NOTE_ROOM = 100;
  let room = budget - joinLines(head).visible - 1;
  let shown = 0;
  let cut = false;
  for (const [i, part] of body.entries()) {
    const need = part.length + 1;
    if (need <= room - (i === body.length - 1 ? 0 : NOTE_ROOM)) {
      out.push(codeLine(part));
      room -= need;
      shown += part.length;
      continue;
    }
    const take = room - NOTE_ROOM - 2;
    if (take > 0) {
      out.push(codeLine(`${part.slice(0, take)}…`));
      shown += take;
    }
    cut = true;
    break;
  }
  if (cut) {
    const text = `✂️ Shortened to fit one message: this URL is ${full.length.toLocaleString('en-US')} characters long; about ${shown.toLocaleString('en-US')} are shown.`;
    out.push(line(`<i>${escapeHtml(text)}</i>`, text));
  }
  return out;
}

function joinLines(lines: Line[]): { html: string; visible: number } {
  return {
    html: lines.map((l) => l.html).join('\n'),
    visible: lines.reduce((n, l) => n + l.visible, 0) + Math.max(0, lines.length - 1),
  };
}

/** Formats a time for the user: "14:05" today, "3 Mar 14:05" otherwise, in their time zone. */
export function formatTime(at: number, timezone: string, now: number): string {
  return formatTimeOrDate(at, timezone, now);
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

/** Telegram group, supergroup and channel ids are negative; private chats have the user's (positive) id. */
function inGroup(a: ApprovalRecord): boolean {
  return a.chat.chatId < 0;
}

/** How an approval reads; rows from before presentations existed read as formal approvals. */
function presentationOf(a: ApprovalRecord): Presentation {
  return a.presentation ?? { style: 'formal', ...FALLBACK_CONFIRMATION };
}

/**
 * The visible request, without tool or agent names and ids (those are behind Details): the title sentence, every
 * URL the call would open (whole), then what it acts on in words, or its arguments when nothing describes it;
 * a formal approval adds why it asks and what "Always allow" would cover.
 */
function bodyLines(a: ApprovalRecord): Line[] {
  if (a.kind === 'question')
    return [line(`❓ <b>${escapeHtml(clip(a.question ?? '', 900))}</b>`, `❓ ${clip(a.question ?? '', 900)}`)];
  const p = presentationOf(a);
  const fixed: Line[] =
    p.style === 'confirm'
      ? [line(`<b>${escapeHtml(p.title)}</b>`, p.title)]
      : [line('🔐 <b>Approval needed</b>', '🔐 Approval needed'), line(escapeHtml(p.title), p.title)];
  const rest: Line[] = [];
  // A tool's own title says what happens; the fallback title needs the description (or the arguments) under it.
  const own = p.title !== FALLBACK_CONFIRMATION.title;
  const what = p.description ?? (a.presentation ? summarizeArgs(withoutUrls(a.args)) : a.summary);
  if ((p.style === 'formal' || !own) && what.trim() && what !== '(no arguments)')
    rest.push(line(`<blockquote>${escapeHtml(what)}</blockquote>`, what));
  if (p.style === 'formal' && a.reason) rest.push(line(`<i>${escapeHtml(a.reason)}</i>`, a.reason));
  if (a.allowAlways && a.grantTarget !== undefined) {
    const scope = `♾️ “Always allow” lets this happen for ${clip(a.grantTarget, 200)} without asking ${a.requestedByName} again, until revoked in /permissions.`;
    rest.push(line(`<i>${escapeHtml(scope)}</i>`, scope));
  }
  let budget = MESSAGE_LIMIT - FOOTER_RESERVE - joinLines([...fixed, ...rest]).visible - 1;
  const urls: Line[] = [];
  for (const [key, value] of Object.entries(a.args)) {
    if (!isUrlArg(value)) continue;
    const block = urlLines(key, value, Math.max(200, budget));
    budget -= joinLines(block).visible + 1;
    urls.push(...block);
  }
  return [...fixed, ...urls, ...rest];
}

function withoutUrls(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => !isUrlArg(v)));
}

function header(a: ApprovalRecord): string {
  return joinLines(bodyLines(a)).html;
}

/** The line under an open prompt: who decides (only in groups) and, for a formal approval, until when. */
function footerLine(a: ApprovalRecord, now: number): string {
  const until = formatTime(a.expiresAt, a.timezone, now);
  if (a.kind === 'question') {
    const how = a.options.length > 0 ? 'Tap an option or reply with text' : 'Reply with your answer';
    return `${how} (until ${until}; then I'll continue with “${a.fallback}”).`;
  }
  const who = inGroup(a) ? `For ${a.requestedByName} to decide` : '';
  if (presentationOf(a).style === 'confirm') return who ? `${who}.` : '';
  const fallback = a.fallback === 'approve' ? 'approved' : 'denied';
  return `${who ? `${who} by` : 'Please decide by'} ${until} — otherwise it is ${fallback} automatically.`;
}

/** The open prompt: what is asked and, in groups or for a formal approval, who decides and until when. */
export function promptText(a: ApprovalRecord, now: number): string {
  const footer = footerLine(a, now);
  return footer ? `${header(a)}\n${escapeHtml(footer)}` : header(a);
}

/**
 * The open prompt with the technical lines added (after a tap on Details): the action's tool and agent names, the
 * request id and the call's arguments, within one message.
 */
export function promptTextWithDetails(a: ApprovalRecord, now: number): string {
  const base = promptText(a, now);
  const footer = footerLine(a, now);
  const used = joinLines(bodyLines(a)).visible + footer.length + 1;
  const via = a.agent && a.agent !== 'router' ? ` (by the ${a.agent} agent)` : '';
  const facts = [`Action: ${a.tool}${via}`, `Request id: ${a.id}`];
  if (presentationOf(a).style === 'confirm' && a.reason) facts.push(`Why I ask: ${a.reason}`);
  const room = Math.max(100, MESSAGE_LIMIT - used - joinLines(facts.map((f) => line('', f))).visible - 40);
  const args = clip(summarizeArgs(a.args), room);
  const lines = [
    '<b>Details</b>',
    `Action: <code>${escapeHtml(a.tool)}</code>${escapeHtml(via)}`,
    `Request id: <code>${escapeHtml(a.id)}</code>`,
    ...(presentationOf(a).style === 'confirm' && a.reason ? [`Why I ask: ${escapeHtml(a.reason)}`] : []),
    ...(args ? [`<pre>${escapeHtml(args)}</pre>`] : []),
  ];
  return `${base}\n\n${lines.join('\n')}`;
}

/**
 * The buttons of an open prompt. A confirmation: the action's own verbs ("Delete" / "Keep"); a formal approval:
 * Approve / Deny. Either may add "Always allow <target>" for the requester, and a Details button unless the
 * details are already shown. A question: up to 6 option buttons.
 */
export function promptKeyboard(a: ApprovalRecord, options: { details?: boolean } = {}): Keyboard {
  if (a.kind === 'question') {
    return a.options.map((option, index) => [
      { text: clip(option, 60), data: encodeCallback({ kind: 'q', id: a.id, index }) },
    ]);
  }
  const p = presentationOf(a);
  const rows: Keyboard = [
    p.style === 'confirm'
      ? [
          { text: clip(p.yes, 30), data: encodeCallback({ kind: 'ap', id: a.id, action: 'y' }) },
          { text: clip(p.no, 30), data: encodeCallback({ kind: 'ap', id: a.id, action: 'n' }) },
        ]
      : [
          { text: '✅ Approve', data: encodeCallback({ kind: 'ap', id: a.id, action: 'y' }) },
          { text: '❌ Deny', data: encodeCallback({ kind: 'ap', id: a.id, action: 'n' }) },
        ],
  ];
  if (a.allowAlways && a.grantTarget !== undefined)
    rows.push([
      {
        text: `♾️ Always allow ${clip(a.grantTarget, 40)}`,
        data: encodeCallback({ kind: 'ap', id: a.id, action: 'a' }),
      },
    ]);
  if (!options.details) rows.push([{ text: 'Details', data: encodeCallback({ kind: 'ap', id: a.id, action: 'd' }) }]);
  return rows;
}

/** One line saying how a closed request ended ("Approved by Ann at 14:05"), plain text. */
export function auditLine(a: ApprovalRecord, now: number): string {
  const at = a.decidedAt === undefined ? '' : ` at ${formatTime(a.decidedAt, a.timezone, now)}`;
  const by = a.decidedByName ?? 'someone';
  const p = a.kind === 'approval' ? presentationOf(a) : undefined;
  switch (a.status) {
    case 'approved':
      if (a.always && a.grantTarget !== undefined)
        return `♾️ Approved by ${by}${at}; from now on this is always allowed for ${a.requestedByName} on ${clip(a.grantTarget, 200)}`;
      if (a.always) return `♾️ Always allowed by ${by}${at}`;
      if (p?.style === 'confirm') return `✅ ${p.yes} — confirmed by ${by}${at}`;
      return `✅ Approved by ${by}${at}`;
    case 'denied':
      if (p?.style === 'confirm') return `✖️ ${p.no} — nothing was done (${by}${at})`;
      return `❌ Denied by ${by}${at}`;
    case 'answered':
      return `💬 Answered by ${by}${at}: “${clip(a.answer ?? '', 200)}”`;
    case 'expired':
      if (a.kind === 'question') return `⌛ Expired — continued with “${clip(a.fallback, 100)}”`;
      if (p?.style === 'confirm') return '⌛ No answer in time — nothing was done';
      return a.fallback === 'approve' ? '⌛ Expired — approved automatically' : '⌛ Expired — denied';
    default:
      return `⏳ Waiting (until ${formatTime(a.expiresAt, a.timezone, now)})`;
  }
}

/** The prompt after it closed: the original request plus the audit line, without buttons. */
export function closedText(a: ApprovalRecord, now: number): string {
  return `${header(a)}\n${escapeHtml(auditLine(a, now))}`;
}

/** The callback answer after "Always allow" (≤ 200 characters): what is now allowed, for whom, how to undo it. */
export function alwaysAllowedNotice(a: ApprovalRecord): string {
  const text = `Approved — from now on this is always allowed for ${clip(a.requestedByName, 40)} on ${clip(a.grantTarget ?? '', 60)}. Revoke it in /permissions.`;
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

/** The callback answer for a click on a request that is no longer open. */
export function alreadyClosedNotice(a: ApprovalRecord, now: number): string {
  if (a.status === 'expired') {
    const at = formatTime(a.expiresAt, a.timezone, now);
    if (a.kind === 'question') return `This question expired at ${at}; I continued with “${clip(a.fallback, 60)}”.`;
    if (presentationOf(a).style === 'confirm')
      return `This expired at ${at}, so nothing was done. Ask me again if you still want it.`;
    return `This request expired at ${at} and was ${a.fallback === 'approve' ? 'approved' : 'denied'} automatically.`;
  }
  return `Already decided: ${auditLine(a, now).replace(/^\S+\s/, '')}.`;
}
