import { escapeHtml } from '../core/html.ts';
import type { Locale } from '../i18n/locale.ts';
import { approvalTexts } from './approval-texts.ts';
import { clip } from './arg-summary.ts';
import { header, presentationOf, wordsOf } from './prompt.ts';
import type { ApprovalRecord } from './records.ts';
import { formatTime } from './time-format.ts';

/** Texts of closed requests: the audit line, the closed prompt and the callback answers about a decision. */

/** One line saying how a closed request ended ("Approved by Ann at 14:05"), plain text. */
export function auditLine(a: ApprovalRecord, now: number, locale: Locale = 'en'): string {
  const t = approvalTexts(locale);
  const time = a.decidedAt === undefined ? '' : formatTime(a.decidedAt, a.timezone, now, locale);
  const by = a.decidedByName ?? t.someone;
  const p = a.kind === 'approval' ? wordsOf(a, t) : undefined;
  switch (a.status) {
    case 'approved':
      if (a.always && a.grantTarget !== undefined)
        return t.approvedAlwaysFor({ by, time, name: a.requestedByName, target: clip(a.grantTarget, 200) });
      if (a.always) return t.alwaysAllowedBy({ by, time });
      if (p?.style === 'confirm') return t.confirmedBy({ yes: p.yes, by, time });
      return t.approvedBy({ by, time });
    case 'denied':
      if (p?.style === 'confirm') return t.confirmDeniedBy({ no: p.no, by, time });
      return t.deniedBy({ by, time });
    case 'answered':
      return t.answeredBy({ by, time, answer: clip(a.answer ?? '', 200) });
    case 'expired':
      if (a.kind === 'question') return t.questionExpired({ fallback: clip(a.fallback, 100) });
      if (p?.style === 'confirm') return t.confirmExpired;
      return a.fallback === 'approve' ? t.expiredApproved : t.expiredDenied;
    default:
      return t.waiting({ until: formatTime(a.expiresAt, a.timezone, now, locale) });
  }
}

/** The prompt after it closed: the original request plus the audit line, without buttons. */
export function closedText(a: ApprovalRecord, now: number, locale: Locale = 'en'): string {
  return `${header(a, locale)}\n${escapeHtml(auditLine(a, now, locale))}`;
}

/** The callback answer after "Always allow" (≤ 200 characters): what is now allowed, for whom, how to undo it. */
export function alwaysAllowedNotice(a: ApprovalRecord, locale: Locale = 'en'): string {
  const text = approvalTexts(locale).alwaysAllowedNotice({
    name: clip(a.requestedByName, 40),
    target: clip(a.grantTarget ?? '', 60),
  });
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

/** The callback answer for a click on a request that is no longer open. */
export function alreadyClosedNotice(a: ApprovalRecord, now: number, locale: Locale = 'en'): string {
  const t = approvalTexts(locale);
  if (a.status === 'expired') {
    const time = formatTime(a.expiresAt, a.timezone, now, locale);
    if (a.kind === 'question') return t.questionExpiredNotice({ time, fallback: clip(a.fallback, 60) });
    if (presentationOf(a).style === 'confirm') return t.confirmExpiredNotice({ time });
    return t.formalExpiredNotice({ time, approve: a.fallback === 'approve' });
  }
  return t.alreadyDecided({ line: auditLine(a, now, locale).replace(/^\S+\s/, '') });
}
