import type { OutMessage } from '../core/outbox.ts';
import type { WriteTx } from '../store/db.ts';
import type { RunTrigger } from './missed-run.ts';

/** SQL of the scheduler on the `job_runs` table. `db` is the store or a write transaction. */

/** Claims one occurrence for this instance until `leaseUntil`; false when it was already claimed. */
export async function insertClaimedRun(
  tx: WriteTx,
  r: { jobId: string; scheduledFor: number; trigger: RunTrigger; instanceId: string; now: number; leaseUntil: number },
): Promise<boolean> {
  const res = await tx.run(
    `INSERT INTO job_runs (job_id, scheduled_for, trigger, claimed_by, status, attempts, attention_at, started_at, created_at)
     VALUES (?, ?, ?, ?, 'claimed', 1, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [r.jobId, r.scheduledFor, r.trigger, r.instanceId, r.leaseUntil, r.now, r.now],
  );
  return res.changes === 1;
}

/** Records an occurrence that was skipped (missed while offline). */
export async function insertSkippedRun(
  tx: WriteTx,
  r: { jobId: string; scheduledFor: number; instanceId: string; error: string; now: number },
): Promise<void> {
  await tx.run(
    `INSERT INTO job_runs (job_id, scheduled_for, trigger, claimed_by, status, attempts, started_at, finished_at, error, created_at)
     VALUES (?, ?, 'schedule', ?, 'skipped', 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [r.jobId, r.scheduledFor, r.instanceId, r.now, r.now, r.error, r.now],
  );
}

/** A run waiting for a retry, or whose claim's lease ran out. */
export interface RunNeedingAttention {
  jobId: string;
  scheduledFor: number;
  trigger: RunTrigger;
  status: string;
  attempts: number;
  attentionAt: number;
  /** The answer kept from an earlier attempt. */
  result?: OutMessage;
}

function parseResult(value: unknown): OutMessage | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as OutMessage;
  } catch {
    return undefined;
  }
}

/** Whether any run waits for a retry or a lease ran out (read only). */
export async function anyRunNeedingAttention(db: WriteTx, now: number): Promise<boolean> {
  const rows = await db.query(
    "SELECT 1 AS x FROM job_runs WHERE status IN ('claimed','retry') AND attention_at <= ? LIMIT 1",
    [now],
  );
  return rows.length > 0;
}

/** Runs that wait for a retry or whose lease ran out, oldest first. */
export async function runsNeedingAttention(tx: WriteTx, now: number, limit: number): Promise<RunNeedingAttention[]> {
  const rows = await tx.query(
    `SELECT job_id, scheduled_for, trigger, status, attempts, attention_at, result FROM job_runs
     WHERE status IN ('claimed','retry') AND attention_at <= ? ORDER BY attention_at LIMIT ?`,
    [now, limit],
  );
  return rows.map((r) => {
    const result = parseResult(r.result);
    return {
      jobId: String(r.job_id),
      scheduledFor: Number(r.scheduled_for),
      trigger: (r.trigger as RunTrigger | null) ?? 'schedule',
      status: String(r.status),
      attempts: Number(r.attempts),
      attentionAt: Number(r.attention_at),
      ...(result ? { result } : {}),
    };
  });
}

/** Gives up a run for good (if nobody changed it meanwhile). */
export async function giveUpRun(tx: WriteTx, r: RunNeedingAttention, error: string, now: number): Promise<void> {
  await tx.run(
    `UPDATE job_runs SET status = 'failed', finished_at = ?, attention_at = NULL, error = ?
     WHERE job_id = ? AND scheduled_for = ? AND status = ? AND attention_at = ?`,
    [now, error, r.jobId, r.scheduledFor, r.status, r.attentionAt],
  );
}

/** Takes a run over for this instance; false when someone else changed it first. */
export async function takeOverRun(
  tx: WriteTx,
  r: RunNeedingAttention,
  p: { instanceId: string; attempts: number; leaseUntil: number },
): Promise<boolean> {
  const took = await tx.run(
    `UPDATE job_runs SET claimed_by = ?, status = 'claimed', attempts = ?, attention_at = ?
     WHERE job_id = ? AND scheduled_for = ? AND status = ? AND attention_at = ?`,
    [p.instanceId, p.attempts, p.leaseUntil, r.jobId, r.scheduledFor, r.status, r.attentionAt],
  );
  return took.changes === 1;
}

/** Keeps a run's answer so a delivery retry does not ask the Network again. */
export async function saveRunResult(db: WriteTx, jobId: string, scheduledFor: number, message: OutMessage) {
  await db.run('UPDATE job_runs SET result = ? WHERE job_id = ? AND scheduled_for = ?', [
    JSON.stringify(message),
    jobId,
    scheduledFor,
  ]);
}

/** Schedules a retry of this instance's run at `at`. */
export async function scheduleRetry(
  db: WriteTx,
  r: { jobId: string; scheduledFor: number; instanceId: string; at: number; error: string; message?: OutMessage },
): Promise<void> {
  await db.run(
    `UPDATE job_runs SET status = 'retry', attention_at = ?, error = ?, result = COALESCE(?, result)
     WHERE job_id = ? AND scheduled_for = ? AND claimed_by = ?`,
    [r.at, r.error.slice(0, 500), r.message ? JSON.stringify(r.message) : null, r.jobId, r.scheduledFor, r.instanceId],
  );
}

/** Records a run's end. */
export async function finishRun(
  tx: WriteTx,
  r: { jobId: string; scheduledFor: number; status: string; error: string | null; messageId?: number; now: number },
): Promise<void> {
  await tx.run(
    `UPDATE job_runs SET status = ?, finished_at = ?, attention_at = NULL, error = ?, message_id = ?
     WHERE job_id = ? AND scheduled_for = ?`,
    [r.status, r.now, r.error, r.messageId ?? null, r.jobId, r.scheduledFor],
  );
}

/** Makes this instance's unfinished claims available to the next instance at once. */
export async function releaseClaims(db: WriteTx, instanceId: string, now: number): Promise<void> {
  await db.run(`UPDATE job_runs SET attention_at = ? WHERE claimed_by = ? AND status = 'claimed'`, [now, instanceId]);
}

/** The earliest due job and the earliest run needing attention, epoch ms. */
export async function nextDueTimes(db: WriteTx): Promise<number[]> {
  const [row] = await db.query(
    `SELECT (SELECT MIN(next_run_at) FROM jobs WHERE enabled = 1) AS due,
            (SELECT MIN(attention_at) FROM job_runs WHERE status IN ('claimed','retry')) AS attention`,
  );
  return [row?.due, row?.attention].filter((v) => v !== null && v !== undefined).map(Number);
}
