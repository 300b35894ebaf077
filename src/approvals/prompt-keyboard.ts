import type { Keyboard } from '../core/outbox.ts';
import type { Locale } from '../i18n/locale.ts';
import { approvalTexts } from './approval-texts.ts';
import { clip } from './arg-summary.ts';
import { encodeCallback } from './callback-data.ts';
import { wordsOf } from './prompt.ts';
import type { ApprovalRecord } from './records.ts';

/**
 * The buttons of an open prompt. A confirmation: the action's own verbs ("Delete" / "Keep"); a formal approval:
 * Approve / Deny. Either may add "Always allow <target>" for the requester, and a Details button unless the
 * details are already shown. A question: up to 6 option buttons.
 */
export function promptKeyboard(a: ApprovalRecord, options: { details?: boolean; locale?: Locale } = {}): Keyboard {
  const t = approvalTexts(options.locale ?? 'en');
  if (a.kind === 'question') {
    return a.options.map((option, index) => [
      { text: clip(option, 60), data: encodeCallback({ kind: 'q', id: a.id, index }) },
    ]);
  }
  const p = wordsOf(a, t);
  const rows: Keyboard = [
    p.style === 'confirm'
      ? [
          { text: clip(p.yes, 30), data: encodeCallback({ kind: 'ap', id: a.id, action: 'y' }) },
          { text: clip(p.no, 30), data: encodeCallback({ kind: 'ap', id: a.id, action: 'n' }) },
        ]
      : [
          { text: t.approve, data: encodeCallback({ kind: 'ap', id: a.id, action: 'y' }) },
          { text: t.deny, data: encodeCallback({ kind: 'ap', id: a.id, action: 'n' }) },
        ],
  ];
  if (a.allowAlways && a.grantTarget !== undefined)
    rows.push([
      {
        text: t.alwaysAllow({ target: clip(a.grantTarget, 40) }),
        data: encodeCallback({ kind: 'ap', id: a.id, action: 'a' }),
      },
    ]);
  if (!options.details) rows.push([{ text: t.details, data: encodeCallback({ kind: 'ap', id: a.id, action: 'd' }) }]);
  return rows;
}
