import type { PendingCall, Suspension, TurnRequest } from '../core/turn.ts';
import { cappedTimeout, questionOf, termsFor } from './call-terms.ts';
import type { NewRunEvent } from './events.ts';
import type { ApprovalPolicy } from './policy.ts';
import type { ApprovalRecord } from './records.ts';

/** Everything a new round of a suspended run needs to become approval rows (pure: no I/O). */
export interface RoundInput {
  runId: string;
  round: number;
  request: TurnRequest;
  /** Source of the original request (a resumed run keeps its origin). */
  origin: TurnRequest['source'];
  suspension: Suspension;
  budgetMs: number | undefined;
  now: number;
  newId: () => string;
  policy: ApprovalPolicy;
}

/** The approval (or question) records of one round and the events that announce them. */
export function buildRound(input: RoundInput): { records: ApprovalRecord[]; events: NewRunEvent[] } {
  const records: ApprovalRecord[] = [];
  const events: NewRunEvent[] = [];
  for (const call of input.suspension.pending) {
    const built = call.kind === 'question' ? questionRecord(input, call) : approvalRecord(input, call);
    records.push(built.record);
    events.push(built.event);
  }
  return { records, events };
}

type Built = { record: ApprovalRecord; event: NewRunEvent };

function baseOf(input: RoundInput, call: PendingCall) {
  const { request } = input;
  return {
    id: input.newId(),
    runId: input.runId,
    round: input.round,
    callId: call.callId,
    agent: call.agent,
    tool: call.tool,
    args: call.args,
    requestedBy: request.userId,
    requestedByName: request.userName?.trim() || `user ${request.userId}`,
    chat:
      request.chat.topicId === undefined
        ? { chatId: request.chat.chatId }
        : { chatId: request.chat.chatId, topicId: request.chat.topicId },
    timezone: request.timezone,
    createdAt: input.now,
    status: 'pending' as const,
    answer: undefined,
    always: false,
    decidedBy: undefined,
    decidedByName: undefined,
    decidedAt: undefined,
  };
}

function questionRecord(input: RoundInput, call: PendingCall): Built {
  const questions = input.policy.config.questions;
  const { question, options } = questionOf(call);
  const timeoutMs =
    input.origin === 'schedule' ? Math.min(questions.timeout, questions.scheduledTimeout) : questions.timeout;
  const record: ApprovalRecord = {
    ...baseOf(input, call),
    kind: 'question',
    question,
    options,
    summary: question,
    reason: undefined,
    allowAlways: false,
    grantTarget: undefined,
    presentation: undefined,
    expiresAt: input.now + cappedTimeout(timeoutMs, input.budgetMs),
    fallback: questions.fallbackAnswer,
  };
  const data = { approvalId: record.id, callId: call.callId, question, options, expiresAt: record.expiresAt };
  return { record, event: { type: 'question_asked', data } };
}

function approvalRecord(input: RoundInput, call: PendingCall): Built {
  const terms = termsFor(call, input.origin, input.policy);
  const record: ApprovalRecord = {
    ...baseOf(input, call),
    kind: 'approval',
    question: undefined,
    options: [],
    summary: terms.summary,
    reason: terms.reason,
    allowAlways: terms.allowAlways,
    grantTarget: terms.grantTarget,
    presentation: terms.presentation,
    expiresAt: input.now + cappedTimeout(terms.timeoutMs, input.budgetMs),
    fallback: terms.fallback,
  };
  const data = {
    approvalId: record.id,
    callId: call.callId,
    tool: call.tool,
    agent: call.agent,
    summary: record.summary,
    expiresAt: record.expiresAt,
    fallback: record.fallback,
    style: terms.presentation.style,
  };
  return { record, event: { type: 'approval_requested', data } };
}
