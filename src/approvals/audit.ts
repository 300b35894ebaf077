import type { RunEvent } from './events.ts';

/** Events a person cares about when asking "why did you do that?". */
const SHOWN = new Set(['approval_requested', 'approval_decided', 'approval_expired', 'question_asked', 'question_answered', 'tool_result', 'failed']);

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function line(event: RunEvent, time: (at: number) => string): string | undefined {
  const d = event.data;
  const at = time(event.at);
  switch (event.type) {
    case 'approval_requested':
      return `${at} asked for approval: ${str(d.tool)}`;
    case 'approval_decided':
      return `${at} ${d.decision === 'approved' ? '✅ approved' : '❌ denied'}: ${str(d.tool)} by ${str(d.name) || 'a user'}`;
    case 'approval_expired':
      return `${at} ⌛ expired: ${str(d.tool)} (fallback: ${str(d.fallback)})`;
    case 'question_asked':
      return `${at} asked: “${str(d.question)}”`;
    case 'question_answered':
      return `${at} answered: “${str(d.answer)}” by ${str(d.name) || 'a user'}`;
    case 'tool_result':
      return `${at} ${d.ok === false ? '⚠️' : '⚙️'} ${str(d.tool)}: ${str(d.summary).slice(0, 120)}`;
    case 'failed':
      return `${at} failed: ${str(d.error).slice(0, 120)}`;
    default:
      return undefined;
  }
}

/**
 * The human-readable audit trail of `userId`'s most recent suspended run in a chat (approvals, questions, tool
 * results after resuming), for /why. Runs of other members (or of unknown owner) are never shown; only the latest
 * own run is, older ones stay in the event log.
 */
export function auditTrail(events: RunEvent[], userId: number, time: (at: number) => string): string[] {
  const mine = events.filter((e) => e.userId === userId);
  const latest = mine.at(-1)?.runId;
  if (!latest) return [];
  return mine
    .filter((e) => e.runId === latest && SHOWN.has(e.type))
    .map((e) => line(e, time))
    .filter((l): l is string => l !== undefined);
}
