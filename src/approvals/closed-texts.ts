import { escapeHtml } from '../core/html.ts';
import { clip } from './arg-summary.ts';
import { header, presentationOf } from './prompt.ts';
import type { ApprovalRecord } from './records.ts';
import { formatTime } from './time-format.ts';

/** Texts of closed requests: the audit line, the closed prompt and the callback answers about a decision. */

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
