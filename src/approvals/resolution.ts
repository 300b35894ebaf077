import type { Resolution } from '../core/turn.ts';
import { formatDuration } from './time-format.ts';
import type { ApprovalRecord } from './records.ts';

/** What the resumed run is told about one settled call (for the model, so always English). Pure. */
export function resolutionFor(a: ApprovalRecord): Resolution {
  switch (a.status) {
    case 'approved':
      return { type: 'approved' };
    case 'denied': {
      const button = a.presentation?.style === 'confirm' ? `“${a.presentation.no}”` : 'Deny';
      return {
        type: 'denied',
        reason: `${a.decidedByName ?? 'the user'} tapped ${button}. Do not retry it; tell the user it was not done.`,
      };
    }
    case 'answered':
      return { type: 'answer', value: a.answer ?? '' };
    case 'expired':
      if (a.kind === 'question') return { type: 'answer', value: a.fallback };
      if (a.fallback === 'approve') return { type: 'approved' };
      return {
        type: 'denied',
        reason: `nobody approved it within ${formatDuration(a.expiresAt - a.createdAt)}, so it was denied automatically. Do not retry it; tell the user it was not done and that they can ask again.`,
      };
    default:
      throw new Error(`approval ${a.id} is still pending`);
  }
}

/** Resolutions for every pending call of a run; a call without a settled row is denied rather than run. */
export function resolutionsFor(
  pending: ReadonlyArray<{ callId: string }>,
  approvals: ApprovalRecord[],
): Record<string, Resolution> {
  const resolutions: Record<string, Resolution> = {};
  for (const a of approvals) resolutions[a.callId] = resolutionFor(a);
  for (const p of pending)
    if (!resolutions[p.callId])
      resolutions[p.callId] = { type: 'denied', reason: 'No decision was recorded for this call.' };
  return resolutions;
}
