import { hostOf } from '../core/activity.ts';
import type { RunEvent } from './events.ts';

/** Events a person cares about when asking "why did you do that?". */
const SHOWN = new Set([
  'approval_requested',
  'approval_decided',
  'approval_expired',
  'question_asked',
  'question_answered',
  'tool_result',
  'failed',
]);

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

/** How a person settled one paused tool call (an approval or a question), by the call's id. */
export interface CallDecision {
  kind: 'approval' | 'question';
  tool: string;
  /** `answered` for questions; `expired` when nobody decided in time (then `fallback` applied). */
  outcome: 'approved' | 'denied' | 'expired' | 'answered' | 'waiting';
  /** Who decided (user id and first name), when a person did. */
  by?: number;
  name?: string;
  /** The fallback applied at expiry (`approve`/`deny`, or a question's fallback answer). */
  fallback?: string;
  question?: string;
  answer?: string;
  /** Host the call was about, from the approval summary (e.g. the page to fetch). */
  target?: string;
}

/** `userId`'s approvals and questions in a chat, for /why. */
export interface AuditTrail {
  /** The raw trail of the latest own run, one line per event (the Details view). */
  lines: string[];
  /** Every recent own paused call, by call id, with its decision. */
  calls: Record<string, CallDecision>;
  /** Calls of the latest own run that still wait for a person. */
  waiting: CallDecision[];
}

function targetOf(summary: unknown): string | undefined {
  const url = /https?:\/\/[^\s"'<>)]+/.exec(str(summary))?.[0];
  return url ? hostOf(url) : undefined;
}

/**
 * The audit trail of `userId`'s paused runs in a chat (approvals, questions, tool results after resuming), for /why.
 * Runs of other members (or of unknown owner) are never used. `lines` covers only the latest own run; `calls`
 * covers every own run in `events`, so /why can say how each call of the last answer was decided.
 */
export function auditTrail(events: RunEvent[], userId: number, time: (at: number) => string): AuditTrail {
  const mine = events.filter((e) => e.userId === userId);
  const latest = mine.at(-1)?.runId;
  if (!latest) return { lines: [], calls: {}, waiting: [] };
  const lines = mine
    .filter((e) => e.runId === latest && SHOWN.has(e.type))
    .map((e) => line(e, time))
    .filter((l): l is string => l !== undefined);

  const calls: Record<string, CallDecision> = {};
  const byApproval = new Map<string, { callId: string; runId: string }>();
  const ended = new Set<string>();
  for (const e of mine) {
    const d = e.data;
    const approvalId = str(d.approvalId);
    if (e.type === 'approval_requested' || e.type === 'question_asked') {
      const callId = str(d.callId);
      if (!callId) continue;
      byApproval.set(approvalId, { callId, runId: e.runId });
      const target = targetOf(d.summary);
      calls[callId] =
        e.type === 'approval_requested'
          ? { kind: 'approval', tool: str(d.tool), outcome: 'waiting', ...(target ? { target } : {}) }
          : { kind: 'question', tool: 'ask_user', outcome: 'waiting', question: str(d.question) };
      continue;
    }
    if (e.type === 'finished' || e.type === 'failed') ended.add(e.runId);
    const call = calls[byApproval.get(approvalId)?.callId ?? ''];
    if (!call) continue;
    const by = typeof d.by === 'number' ? { by: d.by, ...(str(d.name) ? { name: str(d.name) } : {}) } : {};
    if (e.type === 'approval_decided')
      Object.assign(call, { outcome: d.decision === 'approved' ? 'approved' : 'denied', ...by });
    else if (e.type === 'question_answered') Object.assign(call, { outcome: 'answered', answer: str(d.answer), ...by });
    else if (e.type === 'approval_expired') Object.assign(call, { outcome: 'expired', fallback: str(d.fallback) });
  }
  const waiting = ended.has(latest)
    ? []
    : [...byApproval.values()]
        .filter((a) => a.runId === latest && calls[a.callId]?.outcome === 'waiting')
        .map((a) => calls[a.callId] as CallDecision);
  return { lines, calls, waiting };
}
