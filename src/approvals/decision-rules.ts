import type { Locale } from '../i18n/locale.ts';
import type { Settlement } from './approval-store.ts';
import { approvalTexts } from './approval-texts.ts';
import { alwaysAllowedNotice } from './closed-texts.ts';
import { wordsOf } from './prompt.ts';
import type { ApprovalRecord } from './records.ts';

/** A valid choice (how to settle, and the toast for the clicker), or why the press can't count. */
export type Choice = (Settlement & { reply: string }) | { invalid: string };

/** What Approve (`y`), Deny (`n`) or Always allow (`a`) means for this approval. Pure. */
export function chooseDecision(a: ApprovalRecord, action: 'y' | 'n' | 'a', locale: Locale = 'en'): Choice {
  const t = approvalTexts(locale);
  const confirm = a.presentation?.style === 'confirm' ? wordsOf(a, t) : undefined;
  if (action === 'y') return { status: 'approved', reply: confirm ? t.confirmedToast(confirm) : t.approvedToast };
  if (action === 'n') return { status: 'denied', reply: confirm ? t.confirmDeniedToast(confirm) : t.deniedToast };
  if (!a.allowAlways || a.grantTarget === undefined) return { invalid: t.alwaysNotOffered };
  return { status: 'approved', always: true, reply: alwaysAllowedNotice(a, locale) };
}

/** What tapping option `index` of a question means. Pure. */
export function chooseAnswer(a: ApprovalRecord, index: number, locale: Locale = 'en'): Choice {
  const t = approvalTexts(locale);
  const option = a.options[index];
  if (option === undefined) return { invalid: t.optionUnavailable };
  return { status: 'answered', answer: option, reply: t.gotIt({ answer: option.slice(0, 150) }) };
}
