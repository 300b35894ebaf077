import { escapeHtml } from '../core/html.ts';
import { clip, isUrlArg, summarizeArgs } from './arg-summary.ts';
import { FALLBACK_CONFIRMATION, type Presentation } from './confirmation.ts';
import { type Line, joinLines, line, urlLines } from './prompt-lines.ts';
import type { ApprovalRecord } from './records.ts';
import { formatTime } from './time-format.ts';

/**
 * Texts of open approval prompts and questions (Telegram HTML, every user/model string escaped). Nothing the approver
 * decides on is cut silently (see arg-summary.ts and prompt-lines.ts).
 */

/** Telegram's limit on one message's visible text (UTF-16 code units after entity parsing). */
const MESSAGE_LIMIT = 4096;
/** Room kept for the lines under the request: who decides and until when, or the audit line of a closed prompt. */
const FOOTER_RESERVE = 400;

/** Telegram group, supergroup and channel ids are negative; private chats have the user's (positive) id. */
function inGroup(a: ApprovalRecord): boolean {
  return a.chat.chatId < 0;
}

/** How an approval reads; rows from before presentations existed read as formal approvals. */
export function presentationOf(a: ApprovalRecord): Presentation {
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

export function header(a: ApprovalRecord): string {
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
