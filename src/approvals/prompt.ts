import { escapeHtml } from '../core/html.ts';
import { clip, isUrlArg, summarizeArgs } from './arg-summary.ts';
import type { Locale } from '../i18n/locale.ts';
import { type ApprovalTexts, approvalTexts } from './approval-texts.ts';
import { FALLBACK_CONFIRMATION, type Presentation } from './confirmation.ts';
import { type Line, joinLines, line, urlLines } from './prompt-lines.ts';
import type { ApprovalRecord } from './records.ts';
import { taintLine } from './taint-line.ts';
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

/** The presentation in the reader's language: the plain fallback words are stored in English and translated here. */
export function wordsOf(a: ApprovalRecord, t: ApprovalTexts): Presentation {
  const p = presentationOf(a);
  return {
    ...p,
    title: p.title === FALLBACK_CONFIRMATION.title ? t.fallbackTitle : p.title,
    yes: p.yes === FALLBACK_CONFIRMATION.yes ? t.fallbackYes : p.yes,
    no: p.no === FALLBACK_CONFIRMATION.no ? t.fallbackNo : p.no,
  };
}

/**
 * The visible request, without tool or agent names and ids (those are behind Details): the title sentence, every
 * URL the call would open (whole), then what it acts on in words, or its arguments when nothing describes it;
 * a formal approval adds why it asks and what "Always allow" would cover.
 */
function bodyLines(a: ApprovalRecord, locale: Locale): Line[] {
  if (a.kind === 'question')
    return [line(`❓ <b>${escapeHtml(clip(a.question ?? '', 900))}</b>`, `❓ ${clip(a.question ?? '', 900)}`)];
  const t = approvalTexts(locale);
  const p = wordsOf(a, t);
  const needed = t.approvalNeeded;
  const fixed: Line[] =
    p.style === 'confirm'
      ? [line(`<b>${escapeHtml(p.title)}</b>`, p.title)]
      : [line(`🔐 <b>${escapeHtml(needed.replace(/^🔐 /, ''))}</b>`, needed), line(escapeHtml(p.title), p.title)];
  const rest = whatAndWhy(a, p, t, locale);
  let budget = MESSAGE_LIMIT - FOOTER_RESERVE - joinLines([...fixed, ...rest]).visible - 1;
  const urls: Line[] = [];
  for (const [key, value] of Object.entries(a.args)) {
    if (!isUrlArg(value)) continue;
    const block = urlLines(key, value, Math.max(200, budget), t);
    budget -= joinLines(block).visible + 1;
    urls.push(...block);
  }
  return [...fixed, ...urls, ...rest];
}

/** Under the title: what the call acts on (unless the tool's own title says it), why it asks, what "Always" covers. */
function whatAndWhy(a: ApprovalRecord, p: Presentation, t: ApprovalTexts, locale: Locale): Line[] {
  const rest: Line[] = [];
  // A tool's own title says what happens; the fallback title needs the description (or the arguments) under it.
  const own = presentationOf(a).title !== FALLBACK_CONFIRMATION.title;
  const what = p.description ?? (a.presentation ? summarizeArgs(withoutUrls(a.args), locale) : a.summary);
  const nothing = what === t.noArguments || what === '(no arguments)';
  if ((p.style === 'formal' || !own) && what.trim() && !nothing)
    rest.push(line(`<blockquote>${escapeHtml(what)}</blockquote>`, what));
  if (p.taint) {
    const why = taintLine(p.taint, t);
    rest.push(line(`<b>${escapeHtml(why)}</b>`, why));
  }
  if (p.style === 'formal' && a.reason) rest.push(line(`<i>${escapeHtml(a.reason)}</i>`, a.reason));
  if (a.allowAlways && a.grantTarget !== undefined) {
    const scope = t.alwaysAllowScope({ target: clip(a.grantTarget, 200), name: a.requestedByName });
    rest.push(line(`<i>${escapeHtml(scope)}</i>`, scope));
  }
  return rest;
}

function withoutUrls(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => !isUrlArg(v)));
}

/** The request part of a prompt (open or closed), in HTML. */
export function header(a: ApprovalRecord, locale: Locale = 'en'): string {
  return joinLines(bodyLines(a, locale)).html;
}

/** The line under an open prompt: who decides (only in groups) and, for a formal approval, until when. */
function footerLine(a: ApprovalRecord, now: number, locale: Locale): string {
  const t = approvalTexts(locale);
  const until = formatTime(a.expiresAt, a.timezone, now, locale);
  if (a.kind === 'question') return t.questionFooter({ options: a.options.length > 0, until, fallback: a.fallback });
  const name = inGroup(a) ? a.requestedByName : undefined;
  if (presentationOf(a).style === 'confirm') return name ? t.confirmFooterGroup({ name }) : '';
  return t.formalFooter({ ...(name ? { name } : {}), until, approve: a.fallback === 'approve' });
}

/** The open prompt: what is asked and, in groups or for a formal approval, who decides and until when. */
export function promptText(a: ApprovalRecord, now: number, locale: Locale = 'en'): string {
  const footer = footerLine(a, now, locale);
  return footer ? `${header(a, locale)}\n${escapeHtml(footer)}` : header(a, locale);
}

/**
 * The open prompt with the technical lines added (after a tap on Details): the action's tool and agent names, the
 * request id and the call's arguments, within one message.
 */
export function promptTextWithDetails(a: ApprovalRecord, now: number, locale: Locale = 'en'): string {
  const t = approvalTexts(locale);
  const base = promptText(a, now, locale);
  const footer = footerLine(a, now, locale);
  const used = joinLines(bodyLines(a, locale)).visible + footer.length + 1;
  const via = a.agent && a.agent !== 'router' ? t.detailsByAgent({ agent: a.agent }) : '';
  const why = presentationOf(a).style === 'confirm' && a.reason ? a.reason : undefined;
  const facts = [`${t.detailsAction} ${a.tool}${via}`, `${t.detailsRequestId} ${a.id}`];
  if (why) facts.push(`${t.detailsWhy} ${why}`);
  const room = Math.max(100, MESSAGE_LIMIT - used - joinLines(facts.map((f) => line('', f))).visible - 40);
  const args = clip(summarizeArgs(a.args, locale), room);
  const lines = [
    `<b>${escapeHtml(t.details)}</b>`,
    `${escapeHtml(t.detailsAction)} <code>${escapeHtml(a.tool)}</code>${escapeHtml(via)}`,
    `${escapeHtml(t.detailsRequestId)} <code>${escapeHtml(a.id)}</code>`,
    ...(why ? [`${escapeHtml(t.detailsWhy)} ${escapeHtml(why)}`] : []),
    ...(args ? [`<pre>${escapeHtml(args)}</pre>`] : []),
  ];
  return `${base}\n\n${lines.join('\n')}`;
}
