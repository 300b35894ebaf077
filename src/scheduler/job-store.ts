import { toError } from '../core/errors.ts';
import type { Row, Store, WriteTx } from '../store/db.ts';
import { type Job, jobFromRow, type MissedPolicy } from './job.ts';
import { PAUSE_REASONS } from './messages.ts';
import type { Schedule } from './schedule.ts';

/** SQL of the scheduler on the `jobs` table. `db` is the store or a write transaction. */

/** A `jobs` row read for a pass: the job, or why it can't be read. */
export type JobRead = { id: string; job: Job } | { id: string; error: Error };

function readRow(row: Row): JobRead {
  const id = String(row.id);
  try {
    return { id, job: jobFromRow(row) };
  } catch (err) {
    return { id, error: toError(err) };
  }
}

/** The job with this id (deleted ones included), or undefined. */
export async function getJob(db: WriteTx, id: string): Promise<Job | undefined> {
  const [row] = await db.query('SELECT * FROM jobs WHERE id = ?', [id]);
  return row ? jobFromRow(row) : undefined;
}

/** The job this id names if it is not deleted; the row is unread when absent. */
export async function getLiveJob(db: WriteTx, id: string): Promise<{ found: false } | { found: true; read: JobRead }> {
  const [row] = await db.query('SELECT * FROM jobs WHERE id = ? AND deleted_at IS NULL', [id]);
  return row ? { found: true, read: readRow(row) } : { found: false };
}

/** Filter of {@link listJobs}. */
export interface JobFilter {
  ownerUserId?: number;
  chatId?: number;
  deletedSince?: number;
}

/** Unfinished jobs matching the filter, active first, soonest first. */
export async function listJobs(db: WriteTx, filter: JobFilter): Promise<JobRead[]> {
  const where: string[] = ['completed_at IS NULL'];
  const args: (number | null)[] = [];
  if (filter.ownerUserId !== undefined) {
    where.push('owner_user_id = ?');
    args.push(filter.ownerUserId);
  }
  if (filter.chatId !== undefined) {
    where.push('chat_id = ?');
    args.push(filter.chatId);
  }
  where.push(filter.deletedSince !== undefined ? '(deleted_at IS NULL OR deleted_at >= ?)' : 'deleted_at IS NULL');
  if (filter.deletedSince !== undefined) args.push(filter.deletedSince);
  const rows = await db.query(
    `SELECT * FROM jobs WHERE ${where.join(' AND ')}
     ORDER BY enabled DESC, next_run_at IS NULL, next_run_at, created_at`,
    args,
  );
  return rows.map(readRow);
}

/** The id of the job an earlier create with this idempotency key made. */
export async function jobIdByRequestKey(db: WriteTx, requestKey: string): Promise<string | undefined> {
  const [row] = await db.query('SELECT id FROM jobs WHERE request_key = ?', [requestKey]);
  return row ? String(row.id) : undefined;
}

/** The job a snooze with this origin made. */
export async function jobByOrigin(db: WriteTx, origin: string): Promise<Job | undefined> {
  const [row] = await db.query('SELECT * FROM jobs WHERE origin = ?', [origin]);
  return row ? jobFromRow(row) : undefined;
}

/** Unfinished, not deleted jobs of a user. */
export async function countActiveJobs(db: WriteTx, ownerUserId: number): Promise<number> {
  const [row] = await db.query(
    'SELECT COUNT(*) AS n FROM jobs WHERE owner_user_id = ? AND completed_at IS NULL AND deleted_at IS NULL',
    [ownerUserId],
  );
  return Number(row?.n ?? 0);
}

/** A job to insert (enabled). */
export type NewJob = Pick<
  Job,
  'id' | 'ownerUserId' | 'chatId' | 'topicId' | 'chatType' | 'kind' | 'text' | 'schedule' | 'timezone' | 'target'
> &
  Pick<Job, 'missedPolicy' | 'graceMs'> & {
    nextRunAt: number;
    requestKey?: string;
    origin?: string;
    now: number;
  };

/** Inserts a job; false when a unique key (origin) already exists. */
export async function insertJob(db: WriteTx, j: NewJob): Promise<boolean> {
  const r = await db.run(
    `INSERT INTO jobs (id, owner_user_id, chat_id, topic_id, chat_type, kind, text, schedule, timezone, enabled,
       next_run_at, missed_policy, grace_ms, origin, created_at, updated_at, request_key, target)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      j.id,
      j.ownerUserId,
      j.chatId,
      j.topicId ?? null,
      j.chatType,
      j.kind,
      j.text,
      JSON.stringify(j.schedule),
      j.timezone,
      j.nextRunAt,
      j.missedPolicy,
      j.graceMs,
      j.origin ?? null,
      j.now,
      j.now,
      j.requestKey ?? null,
      j.target ? JSON.stringify(j.target) : null,
    ],
  );
  return r.changes === 1;
}

/** Changes to a job, applied in one UPDATE (see `planUpdate`). */
export interface JobChange {
  text?: string;
  missedPolicy?: MissedPolicy;
  /** New schedule; also clears `completed_at`. */
  schedule?: { schedule: Schedule; timezone: string; nextRunAt: number | null };
  /** Enables the job again from this next run (clears the pause and the failure count). */
  resume?: { nextRunAt: number };
  /** Disables the job with this reason. */
  pauseReason?: string;
}

/** Applies a {@link JobChange}. */
export async function applyJobChange(db: WriteTx, id: string, change: JobChange, now: number): Promise<void> {
  const sets: string[] = [];
  const args: (string | number | null)[] = [];
  if (change.text !== undefined) {
    sets.push('text = ?');
    args.push(change.text);
  }
  if (change.missedPolicy !== undefined) {
    sets.push('missed_policy = ?');
    args.push(change.missedPolicy);
  }
  if (change.schedule) {
    sets.push('schedule = ?', 'timezone = ?', 'next_run_at = ?', 'completed_at = NULL');
    args.push(JSON.stringify(change.schedule.schedule), change.schedule.timezone, change.schedule.nextRunAt);
  }
  if (change.resume) {
    sets.push('enabled = 1', 'paused_reason = NULL', 'consecutive_failures = 0', 'next_run_at = ?');
    sets.push('completed_at = NULL');
    args.push(change.resume.nextRunAt);
  } else if (change.pauseReason !== undefined) {
    sets.push('enabled = 0', 'paused_reason = ?');
    args.push(change.pauseReason);
  }
  sets.push('updated_at = ?');
  args.push(now, id);
  await db.run(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`, args);
}

/** Disables a job with a reason. */
export async function pauseJob(db: WriteTx, id: string, reason: string, now: number): Promise<void> {
  await db.run('UPDATE jobs SET enabled = 0, paused_reason = ?, updated_at = ? WHERE id = ?', [reason, now, id]);
}

/** Deletes a job and its runs for good; false when there was none. */
export function deleteJobForGood(store: Store, id: string): Promise<boolean> {
  return store.write(async (tx) => {
    const r = await tx.run('DELETE FROM jobs WHERE id = ?', [id]);
    await tx.run('DELETE FROM job_runs WHERE job_id = ?', [id]);
    return r.changes === 1;
  });
}

/** Moves a chat's jobs to its new supergroup id; returns how many moved. */
export async function moveChatJobs(db: WriteTx, fromChatId: number, toChatId: number, now: number): Promise<number> {
  const r = await db.run("UPDATE jobs SET chat_id = ?, chat_type = 'supergroup', updated_at = ? WHERE chat_id = ?", [
    toChatId,
    now,
    fromChatId,
  ]);
  return r.changes;
}

/** Whether any enabled job is due (a cheap indexed read that takes no write lock). */
export async function anyDueJob(db: WriteTx, now: number): Promise<boolean> {
  const rows = await db.query('SELECT 1 AS x FROM jobs WHERE enabled = 1 AND next_run_at <= ? LIMIT 1', [now]);
  return rows.length > 0;
}

/** Due enabled jobs, soonest first. */
export async function dueJobs(tx: WriteTx, now: number, limit: number): Promise<JobRead[]> {
  const rows = await tx.query(
    'SELECT * FROM jobs WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at LIMIT ?',
    [now, limit],
  );
  return rows.map(readRow);
}

/** Pauses a job whose row can't be read. */
export async function pauseUnreadable(tx: WriteTx, id: string, message: string, now: number): Promise<void> {
  await tx.run(
    'UPDATE jobs SET enabled = 0, paused_reason = ?, last_error = ?, updated_at = ? WHERE id = ? AND enabled = 1',
    [PAUSE_REASONS.unreadable, message.slice(0, 300), now, id],
  );
}

/** Moves a due job to its next run (completing it when `next` is null); false when another instance got there. */
export async function advanceJob(tx: WriteTx, job: Job, next: number | null, now: number): Promise<boolean> {
  const done = next === null;
  const r = await tx.run(
    `UPDATE jobs SET next_run_at = ?, enabled = ?, completed_at = ?, updated_at = ?
     WHERE id = ? AND enabled = 1 AND next_run_at = ?`,
    [next, done ? 0 : 1, done ? now : null, now, job.id, job.nextRunAt],
  );
  return r.changes === 1;
}

/** Records that the job's last occurrence was skipped. */
export async function recordSkipOnJob(tx: WriteTx, jobId: string, error: string): Promise<void> {
  await tx.run('UPDATE jobs SET last_status = ?, last_error = ? WHERE id = ?', ['skipped', error, jobId]);
}

/** Records a finished run on its job; adds to the failure count when `failing`, else resets it. */
export async function recordRunOnJob(
  tx: WriteTx,
  r: { jobId: string; scheduledFor: number; status: string; error: string | null; failing: boolean; now: number },
): Promise<void> {
  await tx.run(
    `UPDATE jobs SET last_run_at = ?, last_status = ?, last_error = ?,
       consecutive_failures = CASE WHEN ? THEN consecutive_failures + 1 ELSE 0 END, updated_at = ?
     WHERE id = ?`,
    [r.scheduledFor, r.status, r.error, r.failing ? 1 : 0, r.now, r.jobId],
  );
}

/** A job's failures in a row and whether it is enabled. */
export async function failureState(tx: WriteTx, jobId: string): Promise<{ failures: number; enabled: boolean }> {
  const [row] = await tx.query('SELECT consecutive_failures, enabled FROM jobs WHERE id = ?', [jobId]);
  return { failures: Number(row?.consecutive_failures ?? 0), enabled: Number(row?.enabled) === 1 };
}

/** Pauses every active job of an unreachable chat, and gives `jobId` the reason even when it just finished. */
export async function pauseChatJobs(
  db: WriteTx,
  p: { chatId: number; jobId: string; reason: string; error: string; now: number },
): Promise<number> {
  const paused = await db.run(
    `UPDATE jobs SET enabled = 0, paused_reason = ?, last_error = ?, updated_at = ?
     WHERE chat_id = ? AND enabled = 1 AND completed_at IS NULL`,
    [p.reason, p.error.slice(0, 300), p.now, p.chatId],
  );
  await db.run('UPDATE jobs SET paused_reason = ? WHERE id = ? AND completed_at IS NULL', [p.reason, p.jobId]);
  return paused.changes;
}
