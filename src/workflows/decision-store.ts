import type { Store } from '../store/db.ts';
import { appendInTx, assertHeld } from './run-store.ts';

/** A tool step waiting for (or past) a person's decision. */
export interface Decision {
  runId: string;
  seq: number;
  step: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  tool: string;
  summary: string;
  chatId: number;
  messageId?: number;
  timeoutAt: number;
  fallback: 'approve' | 'deny';
}

function toDecision(r: Record<string, unknown>): Decision {
  return {
    runId: String(r.run_id),
    seq: Number(r.seq),
    step: String(r.step),
    status: r.status as Decision['status'],
    tool: String(r.tool),
    summary: String(r.summary),
    chatId: Number(r.chat_id),
    ...(r.message_id !== null && r.message_id !== undefined ? { messageId: Number(r.message_id) } : {}),
    timeoutAt: Number(r.timeout_at),
    fallback: r.fallback === 'approve' ? 'approve' : 'deny',
  };
}

const COLUMNS = 'run_id, seq, step, status, tool, summary, chat_id, message_id, timeout_at, fallback';

/** Every decision of a run, by step key. */
export async function decisionsOf(store: Store, runId: string): Promise<Map<string, Decision>> {
  const rows = await store.query(`SELECT ${COLUMNS} FROM workflow_decisions WHERE run_id = ?`, [runId]);
  return new Map(rows.map((r) => [String(r.step), toDecision(r)]));
}

/** One decision by its run and sequence number (the button's id). */
export async function decisionAt(store: Store, runId: string, seq: number): Promise<Decision | undefined> {
  const row = await store.get(`SELECT ${COLUMNS} FROM workflow_decisions WHERE run_id = ? AND seq = ?`, [runId, seq]);
  return row ? toDecision(row) : undefined;
}

/**
 * Records that a step waits for a decision: the `approval_requested` event and the row, in one transaction (fenced
 * by the lease). Idempotent per step: an existing decision is returned as it is.
 */
export function requestDecision(
  store: Store,
  owner: string,
  d: Omit<Decision, 'seq' | 'status' | 'messageId'>,
  now: number,
): Promise<{ decision: Decision; created: boolean }> {
  return store.write(async (tx) => {
    await assertHeld(tx, d.runId, owner);
    const existing = (
      await tx.query(`SELECT ${COLUMNS} FROM workflow_decisions WHERE run_id = ? AND step = ?`, [d.runId, d.step])
    )[0];
    if (existing) return { decision: toDecision(existing), created: false };
    const [seq] = await appendInTx(
      tx,
      d.runId,
      [{ type: 'approval_requested', step: d.step, data: { tool: d.tool, timeoutAt: d.timeoutAt } }],
      now,
    );
    await tx.run(
      `INSERT INTO workflow_decisions (run_id, seq, step, status, tool, summary, chat_id, timeout_at, fallback,
         created_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
      [d.runId, seq ?? 0, d.step, d.tool, d.summary, d.chatId, d.timeoutAt, d.fallback, now],
    );
    return { decision: { ...d, seq: seq ?? 0, status: 'pending' as const }, created: true };
  });
}

/** Remembers the prompt's message, so the decision can edit it. */
export async function setDecisionMessage(store: Store, runId: string, seq: number, messageId: number) {
  await store.run('UPDATE workflow_decisions SET message_id = ? WHERE run_id = ? AND seq = ?', [messageId, runId, seq]);
}

/** How resolving went: recorded (with what the run now waits for), or already settled before. */
export type ResolveResult =
  | { ok: true; pendingLeft: number; runStatus: string }
  | { ok: false; current?: Decision['status'] };

/**
 * First writer wins: `pending` → approved/denied/expired and the `approval_resolved` event in one transaction.
 * `by` is the Telegram user who pressed (0 for the timeout).
 */
export function resolveDecision(
  store: Store,
  runId: string,
  seq: number,
  status: 'approved' | 'denied' | 'expired',
  by: number,
  now: number,
): Promise<ResolveResult> {
  return store.write(async (tx): Promise<ResolveResult> => {
    const changed = await tx.run(
      `UPDATE workflow_decisions SET status = ?, resolved_by = ?, resolved_at = ?
       WHERE run_id = ? AND seq = ? AND status = 'pending'`,
      [status, by, now, runId, seq],
    );
    if (changed.changes === 0) {
      const row = (
        await tx.query('SELECT status FROM workflow_decisions WHERE run_id = ? AND seq = ?', [runId, seq])
      )[0];
      return row ? { ok: false, current: row.status as Decision['status'] } : { ok: false };
    }
    const step = (await tx.query('SELECT step FROM workflow_decisions WHERE run_id = ? AND seq = ?', [runId, seq]))[0];
    await appendInTx(
      tx,
      runId,
      [{ type: 'approval_resolved', step: String(step?.step), data: { decision: seq, status, by } }],
      now,
    );
    const left = (
      await tx.query(`SELECT COUNT(*) AS n FROM workflow_decisions WHERE run_id = ? AND status = 'pending'`, [runId])
    )[0];
    const run = (await tx.query('SELECT status FROM workflow_runs WHERE id = ?', [runId]))[0];
    return { ok: true, pendingLeft: Number(left?.n ?? 0), runStatus: String(run?.status) };
  });
}

/** Pending decisions past their timeout (the sweep applies each one's fallback). */
export async function expiredDecisions(store: Store, now: number): Promise<Decision[]> {
  const rows = await store.query(
    `SELECT ${COLUMNS} FROM workflow_decisions WHERE status = 'pending' AND timeout_at <= ? LIMIT 50`,
    [now],
  );
  return rows.map(toDecision);
}

/** True when the run still waits for a person (checked in the transaction that would suspend it). */
export async function hasPending(store: Store, runId: string): Promise<boolean> {
  const row = await store.get(`SELECT 1 AS x FROM workflow_decisions WHERE run_id = ? AND status = 'pending' LIMIT 1`, [
    runId,
  ]);
  return row !== undefined;
}

/**
 * Pauses a held run when it still waits for a person: `run_suspended` and the status in one transaction, the lease
 * released. False (nothing written) when every decision was made meanwhile: the caller goes on with the run.
 */
export function suspendIfWaiting(store: Store, runId: string, owner: string, now: number): Promise<boolean> {
  return store.write(async (tx) => {
    await assertHeld(tx, runId, owner);
    const waiting = (
      await tx.query(`SELECT COUNT(*) AS n FROM workflow_decisions WHERE run_id = ? AND status = 'pending'`, [runId])
    )[0];
    if (Number(waiting?.n ?? 0) === 0) return false;
    await appendInTx(tx, runId, [{ type: 'run_suspended' }], now);
    await tx.run(`UPDATE workflow_runs SET status = 'suspended', lease_owner = NULL, lease_until = NULL WHERE id = ?`, [
      runId,
    ]);
    return true;
  });
}
