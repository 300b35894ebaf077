import type { Settlement } from './approval-store.ts';
import { alwaysAllowedNotice } from './closed-texts.ts';
import type { ApprovalRecord } from './records.ts';

/** A valid choice (how to settle, and the toast for the clicker), or why the press can't count. */
export type Choice = (Settlement & { reply: string }) | { invalid: string };

/** What Approve (`y`), Deny (`n`) or Always allow (`a`) means for this approval. Pure. */
export function chooseDecision(a: ApprovalRecord, action: 'y' | 'n' | 'a'): Choice {
  const confirm = a.presentation?.style === 'confirm' ? a.presentation : undefined;
  if (action === 'y') return { status: 'approved', reply: confirm ? `${confirm.yes} ✅` : 'Approved ✅' };
  if (action === 'n') return { status: 'denied', reply: confirm ? `${confirm.no} — nothing was done.` : 'Denied ❌' };
  if (!a.allowAlways || a.grantTarget === undefined)
    return { invalid: "“Always allow” isn't offered for this request. Tap Approve or Deny." };
  return { status: 'approved', always: true, reply: alwaysAllowedNotice(a) };
}

/** What tapping option `index` of a question means. Pure. */
export function chooseAnswer(a: ApprovalRecord, index: number): Choice {
  const option = a.options[index];
  if (option === undefined)
    return { invalid: "That option isn't available. Tap one of the buttons or reply with text." };
  return { status: 'answered', answer: option, reply: `Got it: ${option.slice(0, 150)}` };
}
