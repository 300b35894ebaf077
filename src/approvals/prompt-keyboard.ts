import type { Keyboard } from '../core/outbox.ts';
import { clip } from './arg-summary.ts';
import { encodeCallback } from './callback-data.ts';
import { presentationOf } from './prompt.ts';
import type { ApprovalRecord } from './records.ts';

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
