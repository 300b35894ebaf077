import { z } from 'zod';
import type { Logger } from '../core/logger.ts';
import type { Store, WriteTx } from '../store/db.ts';

/** Types of entries in the append-only per-run event log (the audit trail behind /why). */
export type RunEventType =
  | 'approval_requested'
  | 'approval_decided'
  | 'approval_expired'
  | 'question_asked'
  | 'question_answered'
  | 'unauthorized_click'
  | 'always_allow_granted'
  | 'resumed'
  | 'suspended_again'
  | 'tool_result'
  | 'finished'
  | 'failed'
  | 'interrupted';

export interface RunEvent {
  runId: string;
  seq: number;
  type: RunEventType;
  data: Record<string, unknown>;
  chatId: number | undefined;
  /** Who the run belongs to (its requester); undefined when the run's row is gone. */
  userId: number | undefined;
  at: number;
}

export interface NewRunEvent {
  type: RunEventType;
  data?: Record<string, unknown>;
}

/**
 * Appends events to a run's log inside the caller's write transaction: seq = MAX+1 per run
 * (UNIQUE(run_id, seq) guards against two writers). Each event is also logged with a run_id child logger (its data
 * only at debug level).
 */
export async function appendRunEvents(
  tx: WriteTx,
  log: Logger,
  runId: string,
  chatId: number | undefined,
  at: number,
  events: NewRunEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = await tx.query('SELECT COALESCE(MAX(seq), 0) AS seq FROM run_events WHERE run_id = ?', [runId]);
  let seq = Number(rows[0]?.seq ?? 0);
  for (const event of events) {
    seq += 1;
    await tx.run('INSERT INTO run_events (run_id, seq, type, data, chat_id, at) VALUES (?, ?, ?, ?, ?, ?)', [
      runId,
      seq,
      event.type,
      JSON.stringify(event.data ?? {}),
      chatId ?? null,
      at,
    ]);
    // Event data holds questions, answers and summaries of the user's words: only at debug level.
    const elog = log.child({ run_id: runId, ...approvalField(event.data) });
    elog.info({ event: event.type, seq }, `run event ${event.type}`);
    elog.debug({ event: event.type, seq, data: event.data }, `run event ${event.type} data`);
  }
}

function approvalField(data: Record<string, unknown> | undefined): Record<string, unknown> {
  return typeof data?.approvalId === 'string' ? { approval_id: data.approvalId } : {};
}

const dataSchema = z.record(z.string(), z.unknown());

function toEvent(row: Record<string, unknown>): RunEvent {
  let data: Record<string, unknown> = {};
  try {
    const parsed = dataSchema.safeParse(JSON.parse(String(row.data)));
    if (parsed.success) data = parsed.data;
  } catch {
    // a damaged data column must not hide the rest of the audit trail
  }
  return {
    runId: String(row.run_id),
    seq: Number(row.seq),
    type: String(row.type) as RunEventType,
    data,
    chatId: row.chat_id === null || row.chat_id === undefined ? undefined : Number(row.chat_id),
    userId: row.user_id === null || row.user_id === undefined ? undefined : Number(row.user_id),
    at: Number(row.at),
  };
}

const WITH_USER = 'SELECT e.*, r.user_id FROM run_events e LEFT JOIN approval_runs r ON r.id = e.run_id';

/** Every event of one run, in order. */
export async function eventsForRun(store: Store, runId: string): Promise<RunEvent[]> {
  const rows = await store.query(`${WITH_USER} WHERE e.run_id = ? ORDER BY e.seq`, [runId]);
  return rows.map(toEvent);
}

/** The most recent events in a chat (newest last), across runs; only runs of `userId` when given. */
export async function eventsForChat(store: Store, chatId: number, limit = 50, userId?: number): Promise<RunEvent[]> {
  const mine = userId === undefined ? '' : ' AND r.user_id = ?';
  const rows = await store.query(
    `SELECT * FROM (${WITH_USER} WHERE e.chat_id = ?${mine} ORDER BY e.at DESC, e.run_id, e.seq DESC LIMIT ?) ORDER BY at, run_id, seq`,
    userId === undefined ? [chatId, limit] : [chatId, userId, limit],
  );
  return rows.map(toEvent);
}
