import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import type { Store, WriteTx } from '../store/db.ts';

/** A run's state as stored. */
export type RunStatus = 'running' | 'suspended' | 'done' | 'failed';

/** Every kind of event in a run's log. */
export type EventType =
  | 'run_started'
  | 'run_resumed'
  | 'step_started'
  | 'step_completed'
  | 'step_failed'
  | 'step_interrupted'
  | 'approval_requested'
  | 'approval_resolved'
  | 'run_suspended'
  | 'run_done'
  | 'run_failed';

/** An event to append (its `seq` is given by the log). */
export interface NewEvent {
  type: EventType;
  step?: string;
  data?: unknown;
}

/** An event as stored. */
export interface RunEvent extends NewEvent {
  seq: number;
  at: number;
}

/** One run's row. */
export interface RunRow extends NewRun {
  status: RunStatus;
  lastSeq: number;
  leaseOwner?: string;
  leaseUntil?: number;
  messageId?: number;
  error?: string;
  createdAt: number;
}

/** Thrown when this process no longer holds a run (another took it over): it must stop writing to it. */
export class LeaseLostError extends AppError {
  constructor(runId: string) {
    super('internal', `Workflow run ${runId} is no longer held by this process`);
    this.name = 'LeaseLostError';
  }
}

const jsonColumn = z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});
const optNum = z
  .number()
  .nullable()
  .transform((v) => v ?? undefined);
const optStr = z
  .string()
  .nullable()
  .transform((v) => v ?? undefined);

const runRowSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    user_id: z.number(),
    chat_id: z.number(),
    topic_id: optNum,
    chat_type: z.string(),
    timezone: z.string(),
    locale: z.string(),
    turn_id: z.string(),
    params: jsonColumn.pipe(z.record(z.string(), z.unknown())),
    definition: jsonColumn,
    status: z.enum(['running', 'suspended', 'done', 'failed']),
    last_seq: z.number(),
    lease_owner: optStr,
    lease_until: optNum,
    message_id: optNum,
    error: optStr,
    created_at: z.number(),
  })
  .transform(
    (r): RunRow => ({
      id: r.id,
      workflow: r.workflow,
      userId: r.user_id,
      chatId: r.chat_id,
      ...(r.topic_id !== undefined ? { topicId: r.topic_id } : {}),
      chatType: r.chat_type,
      timezone: r.timezone,
      locale: r.locale,
      turnId: r.turn_id,
      params: r.params,
      definition: r.definition,
      status: r.status,
      lastSeq: r.last_seq,
      ...(r.lease_owner !== undefined ? { leaseOwner: r.lease_owner } : {}),
      ...(r.lease_until !== undefined ? { leaseUntil: r.lease_until } : {}),
      ...(r.message_id !== undefined ? { messageId: r.message_id } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      createdAt: r.created_at,
    }),
  );

const RUN_COLUMNS = `id, workflow, user_id, chat_id, topic_id, chat_type, timezone, locale, turn_id, params, definition,
  status, last_seq, lease_owner, lease_until, message_id, error, created_at`;

/** A run by id, or undefined. */
export async function getRun(store: Store | WriteTx, id: string): Promise<RunRow | undefined> {
  const rows = await store.query(`SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE id = ?`, [id]);
  return rows[0] ? runRowSchema.parse(rows[0]) : undefined;
}

/** Appends events after the run's last one, in the caller's transaction; returns their sequence numbers. */
export async function appendInTx(tx: WriteTx, runId: string, events: NewEvent[], now: number): Promise<number[]> {
  const row = (await tx.query('SELECT last_seq FROM workflow_runs WHERE id = ?', [runId]))[0];
  if (!row) throw new AppError('internal', `Workflow run ${runId} does not exist`);
  let seq = Number(row.last_seq);
  const seqs: number[] = [];
  for (const e of events) {
    seq += 1;
    seqs.push(seq);
    await tx.run('INSERT INTO workflow_events (run_id, seq, step, type, data, at) VALUES (?, ?, ?, ?, ?, ?)', [
      runId,
      seq,
      e.step ?? null,
      e.type,
      e.data === undefined ? null : JSON.stringify(e.data),
      now,
    ]);
  }
  await tx.run('UPDATE workflow_runs SET last_seq = ?, updated_at = ? WHERE id = ?', [seq, now, runId]);
  return seqs;
}

/** Throws LeaseLostError unless this owner holds the running run. */
export async function assertHeld(tx: WriteTx, runId: string, owner: string): Promise<void> {
  const row = (await tx.query('SELECT status, lease_owner FROM workflow_runs WHERE id = ?', [runId]))[0];
  if (row?.status !== 'running' || row.lease_owner !== owner) throw new LeaseLostError(runId);
}

/** Appends events to a run this owner holds (fenced by the lease), in one transaction. */
export function appendHeld(store: Store, runId: string, owner: string, events: NewEvent[], now: number) {
  return store.write(async (tx) => {
    await assertHeld(tx, runId, owner);
    return appendInTx(tx, runId, events, now);
  });
}

/** Ends (or pauses) a held run: its last event and its status in one transaction; the lease is released. */
export function settleHeld(
  store: Store,
  runId: string,
  owner: string,
  event: NewEvent,
  end: { status: RunStatus; error?: string; messageId?: number },
  now: number,
) {
  return store.write(async (tx) => {
    await assertHeld(tx, runId, owner);
    await appendInTx(tx, runId, [event], now);
    const finished = end.status === 'done' || end.status === 'failed' ? now : null;
    await tx.run(
      `UPDATE workflow_runs SET status = ?, error = ?, message_id = COALESCE(?, message_id), finished_at = ?,
         lease_owner = NULL, lease_until = NULL WHERE id = ?`,
      [end.status, end.error ?? null, end.messageId ?? null, finished, runId],
    );
  });
}

/** What a new run is made of. */
export interface NewRun {
  id: string;
  workflow: string;
  userId: number;
  chatId: number;
  topicId?: number;
  chatType: string;
  timezone: string;
  locale: string;
  turnId: string;
  params: Record<string, unknown>;
  definition: unknown;
}

/** Inserts a run held by `owner` with its `run_started` event; false when the id exists (a retried trigger). */
export function insertRun(store: Store, run: NewRun, owner: string, leaseUntil: number, now: number) {
  return store.write(async (tx) => {
    const inserted = await tx.run(
      `INSERT OR IGNORE INTO workflow_runs (id, workflow, user_id, chat_id, topic_id, chat_type, timezone, locale,
         turn_id, params, definition, status, last_seq, lease_owner, lease_until, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', 0, ?, ?, ?, ?)`,
      [
        run.id,
        run.workflow,
        run.userId,
        run.chatId,
        run.topicId ?? null,
        run.chatType,
        run.timezone,
        run.locale,
        run.turnId,
        JSON.stringify(run.params),
        JSON.stringify(run.definition),
        owner,
        leaseUntil,
        now,
        now,
      ],
    );
    if (inserted.changes === 0) return false;
    await appendInTx(tx, run.id, [{ type: 'run_started', data: { workflow: run.workflow } }], now);
    return true;
  });
}

/**
 * Takes a run for this owner: a `running` run whose lease lapsed (or whose owner is in `deadOwners`), or a
 * `suspended` one (`fromSuspended`) whose decisions are settled. Appends `run_resumed` in the same transaction.
 */
export function claimRun(
  store: Store,
  runId: string,
  owner: string,
  opts: { now: number; leaseMs: number; deadOwners: readonly string[]; fromSuspended: boolean; reason: string },
): Promise<boolean> {
  return store.write(async (tx) => {
    const row = (await tx.query('SELECT status, lease_owner, lease_until FROM workflow_runs WHERE id = ?', [runId]))[0];
    if (!row) return false;
    const lapsed =
      row.status === 'running' &&
      (row.lease_until === null ||
        Number(row.lease_until) < opts.now ||
        opts.deadOwners.includes(String(row.lease_owner)));
    const waiting = opts.fromSuspended && row.status === 'suspended';
    if (!lapsed && !waiting) return false;
    await tx.run(
      `UPDATE workflow_runs SET status = 'running', lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ?`,
      [owner, opts.now + opts.leaseMs, opts.now, runId],
    );
    await appendInTx(tx, runId, [{ type: 'run_resumed', data: { reason: opts.reason } }], opts.now);
    return true;
  });
}

/** Extends the leases this owner holds. */
export async function renewLeases(store: Store, owner: string, until: number): Promise<void> {
  await store.run(`UPDATE workflow_runs SET lease_until = ? WHERE lease_owner = ? AND status = 'running'`, [
    until,
    owner,
  ]);
}

/** Running runs that may need taking over: lease lapsed, or held by an owner named in `deadOwners`. */
export async function orphanRuns(store: Store, now: number, deadOwners: readonly string[]): Promise<string[]> {
  const rows = await store.query(
    `SELECT id FROM workflow_runs WHERE status = 'running'
       AND (lease_until IS NULL OR lease_until < ? OR lease_owner IN (SELECT value FROM json_each(?))) LIMIT 100`,
    [now, JSON.stringify(deadOwners)],
  );
  return rows.map((r) => String(r.id));
}

/** Owners of running runs (to check which of them are dead processes on this machine). */
export async function leaseOwners(store: Store): Promise<string[]> {
  const rows = await store.query(
    `SELECT DISTINCT lease_owner FROM workflow_runs WHERE status = 'running' AND lease_owner IS NOT NULL`,
  );
  return rows.map((r) => String(r.lease_owner));
}

const eventRowSchema = z.object({
  seq: z.number(),
  step: optStr,
  type: z.string(),
  data: z
    .string()
    .nullable()
    .transform((s) => (s === null ? undefined : (JSON.parse(s) as unknown))),
  at: z.number(),
});

/** A run's events in sequence order. */
export async function eventsOf(store: Store | WriteTx, runId: string): Promise<RunEvent[]> {
  const rows = await store.query(
    'SELECT seq, step, type, data, at FROM workflow_events WHERE run_id = ? ORDER BY seq',
    [runId],
  );
  return rows.map((r) => {
    const e = eventRowSchema.parse(r);
    return {
      seq: e.seq,
      type: e.type as EventType,
      ...(e.step !== undefined ? { step: e.step } : {}),
      ...(e.data !== undefined ? { data: e.data } : {}),
      at: e.at,
    };
  });
}

/** The most recent runs of a user (for /workflows). */
export async function recentRuns(store: Store, userId: number, limit: number) {
  return store.query(
    'SELECT id, workflow, status, created_at FROM workflow_runs WHERE user_id = ? ORDER BY created_at DESC LIMIT ?',
    [userId, limit],
  );
}
