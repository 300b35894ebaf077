import { z } from 'zod';
import { StoreError } from '../core/errors.ts';
import { LOCALES } from '../i18n/locale.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Suspension, TurnRequest } from '../core/turn.ts';
import type { Row, SqlValue } from '../store/db.ts';
import { type Presentation, presentationSchema } from './confirmation.ts';

/** Row shapes of the approvals tables, validated with zod when read (JSON columns included). */

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'answered';
export type RunStatus = 'waiting' | 'resuming' | 'done' | 'failed';

/** Every `TurnRequest.source`: a run paused in a background task or a workflow step resumes like a chat turn. */
const SOURCES = ['telegram', 'schedule', 'resume', 'task', 'workflow'] as const;

const requestSchema = z.object({
  turnId: z.string(),
  userId: z.number(),
  userName: z.string().optional(),
  chat: z.object({
    chatId: z.number(),
    topicId: z.number().optional(),
    type: z.enum(['private', 'group', 'supergroup', 'channel']),
  }),
  text: z.string(),
  attachments: z.array(z.object({ mimeType: z.string(), data: z.string(), name: z.string().optional() })),
  source: z.enum(SOURCES),
  messageId: z.number().optional(),
  timezone: z.string(),
  locale: z.enum(LOCALES).optional(),
});

const pendingSchema = z.object({
  callId: z.string(),
  agent: z.string(),
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
  kind: z.enum(['approval', 'question']),
  payload: z.record(z.string(), z.unknown()),
});

const suspensionSchema = z.object({ snapshot: z.unknown(), pending: z.array(pendingSchema) });

/** The request as stored: everything but the abort signal. */
export function storableRequest(request: TurnRequest): Omit<TurnRequest, 'signal'> {
  const { signal: _signal, ...rest } = request;
  return rest;
}

export interface RunRecord {
  id: string;
  chat: ChatRef;
  userId: number;
  /** Source of the original request (a resume keeps the original's, e.g. `schedule`). */
  origin: TurnRequest['source'];
  request: TurnRequest;
  suspension: Suspension;
  round: number;
  status: RunStatus;
  leaseUntil: number | undefined;
  createdAt: number;
}

export interface ApprovalRecord {
  id: string;
  runId: string;
  round: number;
  callId: string;
  agent: string;
  tool: string;
  args: Record<string, unknown>;
  kind: 'approval' | 'question';
  question: string | undefined;
  options: string[];
  summary: string;
  reason: string | undefined;
  allowAlways: boolean;
  /** What "Always allow" grants (a host or an argument value), as shown on the button; set when `allowAlways`. */
  grantTarget: string | undefined;
  /** How the prompt reads (confirmation or formal approval); undefined for questions and older rows (formal). */
  presentation: Presentation | undefined;
  requestedBy: number;
  requestedByName: string;
  chat: ChatRef;
  timezone: string;
  status: ApprovalStatus;
  answer: string | undefined;
  always: boolean;
  expiresAt: number;
  /** `deny` / `approve` for approvals; the fallback answer text for questions. */
  fallback: string;
  decidedBy: number | undefined;
  decidedByName: string | undefined;
  decidedAt: number | undefined;
  createdAt: number;
}

function parseJson<S extends z.ZodType>(schema: S, text: unknown, what: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(String(text));
  } catch (err) {
    throw new StoreError('store_failed', `${what} is not valid JSON`, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new StoreError('store_failed', `${what} has an unexpected shape: ${parsed.error.message}`);
  return parsed.data;
}

const num = (v: unknown): number => Number(v);
const optNum = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

function chatOf(row: Row): ChatRef {
  const topicId = optNum(row.topic_id);
  return topicId === undefined ? { chatId: num(row.chat_id) } : { chatId: num(row.chat_id), topicId };
}

export function toRunRecord(row: Row): RunRecord {
  const id = String(row.id);
  const request = parseJson(requestSchema, row.request, `approval_runs.request of run ${id}`) as TurnRequest;
  const suspension = parseJson(suspensionSchema, row.suspension, `approval_runs.suspension of run ${id}`) as Suspension;
  return {
    id,
    chat: chatOf(row),
    userId: num(row.user_id),
    origin: z.enum(SOURCES).parse(row.origin),
    request,
    suspension,
    round: num(row.round),
    status: z.enum(['waiting', 'resuming', 'done', 'failed']).parse(row.status),
    leaseUntil: optNum(row.lease_until),
    createdAt: num(row.created_at),
  };
}

export function toApprovalRecord(row: Row): ApprovalRecord {
  const id = String(row.id);
  return {
    id,
    runId: String(row.run_id),
    round: num(row.round),
    callId: String(row.call_id),
    agent: String(row.agent),
    tool: String(row.tool),
    args: parseJson(z.record(z.string(), z.unknown()), row.args, `approvals.args of ${id}`),
    kind: z.enum(['approval', 'question']).parse(row.kind),
    question: optStr(row.question),
    options: row.options == null ? [] : parseJson(z.array(z.string()), row.options, `approvals.options of ${id}`),
    summary: String(row.summary),
    reason: optStr(row.reason),
    allowAlways: num(row.allow_always) === 1,
    grantTarget: optStr(row.grant_target),
    presentation: presentationOf(row.presentation),
    requestedBy: num(row.requested_by),
    requestedByName: String(row.requested_by_name),
    chat: chatOf(row),
    timezone: String(row.timezone),
    status: z.enum(['pending', 'approved', 'denied', 'expired', 'answered']).parse(row.status),
    answer: optStr(row.answer),
    always: num(row.always) === 1,
    expiresAt: num(row.expires_at),
    fallback: String(row.fallback),
    decidedBy: optNum(row.decided_by),
    decidedByName: optStr(row.decided_by_name),
    decidedAt: optNum(row.decided_at),
    createdAt: num(row.created_at),
  };
}

/** A stored presentation; an unreadable one is dropped (the prompt then shows as a formal approval). */
function presentationOf(value: unknown): Presentation | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const parsed = presentationSchema.safeParse(JSON.parse(String(value)));
    return parsed.success ? (parsed.data as Presentation) : undefined;
  } catch {
    return undefined;
  }
}

/** Column values for inserting an approval row. */
export function approvalInsert(
  a: Omit<ApprovalRecord, 'status' | 'answer' | 'always' | 'decidedBy' | 'decidedByName' | 'decidedAt'>,
): {
  sql: string;
  args: SqlValue[];
} {
  return {
    sql: `INSERT INTO approvals (id, run_id, round, call_id, agent, tool, args, kind, question, options, summary, reason,
      allow_always, grant_target, requested_by, requested_by_name, chat_id, topic_id, timezone, status, expires_at, fallback, created_at,
      presentation)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    args: [
      a.id,
      a.runId,
      a.round,
      a.callId,
      a.agent,
      a.tool,
      JSON.stringify(a.args),
      a.kind,
      a.question ?? null,
      a.kind === 'question' ? JSON.stringify(a.options) : null,
      a.summary,
      a.reason ?? null,
      a.allowAlways ? 1 : 0,
      a.grantTarget ?? null,
      a.requestedBy,
      a.requestedByName,
      a.chat.chatId,
      a.chat.topicId ?? null,
      a.timezone,
      a.expiresAt,
      a.fallback,
      a.createdAt,
      a.presentation ? JSON.stringify(a.presentation) : null,
    ],
  };
}
