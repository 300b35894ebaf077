import { pickLocale } from '../i18n/locale.ts';
import type { Row, Store, WriteTx } from '../store/db.ts';
import type { ChatType } from '../core/turn.ts';
import type { Task, TaskOptions, TaskStatus } from './task.ts';

/** The SQL of background tasks (table `tasks`, migration 030). */

const STATUSES: readonly TaskStatus[] = ['queued', 'running', 'waiting', 'done', 'failed', 'cancelled'];
const CHAT_TYPES: readonly ChatType[] = ['private', 'group', 'supergroup', 'channel'];

const optNum = (v: unknown): number | undefined => (v == null ? undefined : Number(v));

/** A stored row as a {@link Task}. */
export function taskOf(r: Row): Task {
  const status = STATUSES.find((s) => s === r.status) ?? 'failed';
  const type = CHAT_TYPES.find((t) => t === r.chat_type) ?? 'private';
  const topicId = optNum(r.topic_id);
  const requestMessageId = optNum(r.request_message_id);
  const claimedBy = r.claimed_by == null ? undefined : String(r.claimed_by);
  const leaseUntil = optNum(r.lease_until);
  const startedAt = optNum(r.started_at);
  const finishedAt = optNum(r.finished_at);
  return {
    id: String(r.id),
    userId: Number(r.user_id),
    chat: { chatId: Number(r.chat_id), type, ...(topicId !== undefined ? { topicId } : {}) },
    ...(requestMessageId !== undefined ? { requestMessageId } : {}),
    title: String(r.title),
    description: String(r.description),
    timezone: String(r.timezone),
    ...(r.locale != null ? { locale: pickLocale(String(r.locale)) } : {}),
    untrusted: Number(r.untrusted) !== 0,
    status,
    attempts: Number(r.attempts),
    ...(claimedBy !== undefined ? { claimedBy } : {}),
    ...(leaseUntil !== undefined ? { leaseUntil } : {}),
    ...(r.error != null ? { error: String(r.error) } : {}),
    createdAt: Number(r.created_at),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
  };
}

/** Why a new task was refused: the user's limit or everyone's. */
export type InsertResult = { ok: true; id: string } | { ok: false; reason: 'user' | 'global'; limit: number };

/** Records a queued task unless the user (or everyone) already has as many as allowed. */
export async function insertTask(
  store: Store,
  t: Omit<Task, 'status' | 'attempts' | 'createdAt'>,
  caps: Pick<TaskOptions, 'perUserRunning' | 'perUserQueued' | 'globalActive'>,
  now: number,
): Promise<InsertResult> {
  return store.write(async (tx) => {
    // A chat turn replayed after a crash asks again for the task it already started: the same task, not a second.
    if (t.requestMessageId !== undefined) {
      const same = await tx.query(
        'SELECT id FROM tasks WHERE user_id = ? AND chat_id = ? AND request_message_id = ? AND title = ?',
        [t.userId, t.chat.chatId, t.requestMessageId, t.title],
      );
      if (same[0]) return { ok: true, id: String(same[0].id) };
    }
    const mine = await countActive(tx, t.userId);
    const perUser = caps.perUserRunning + caps.perUserQueued;
    if (mine >= perUser) return { ok: false, reason: 'user', limit: perUser };
    if ((await countActive(tx)) >= caps.globalActive) return { ok: false, reason: 'global', limit: caps.globalActive };
    await tx.run(
      `INSERT INTO tasks (id, user_id, chat_id, topic_id, chat_type, request_message_id, title, description, timezone,
         locale, untrusted, status, attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)`,
      [
        t.id,
        t.userId,
        t.chat.chatId,
        t.chat.topicId ?? null,
        t.chat.type,
        t.requestMessageId ?? null,
        t.title,
        t.description,
        t.timezone,
        t.locale ?? null,
        t.untrusted ? 1 : 0,
        now,
        now,
      ],
    );
    return { ok: true, id: t.id };
  });
}

async function countActive(tx: WriteTx, userId?: number): Promise<number> {
  const rows = await tx.query(
    userId === undefined
      ? `SELECT COUNT(*) AS n FROM tasks WHERE status IN ('queued','running')`
      : `SELECT COUNT(*) AS n FROM tasks WHERE user_id = ? AND status IN ('queued','running')`,
    userId === undefined ? [] : [userId],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Claims the oldest queued task whose user has a free slot, when a global slot is free: it becomes `running`, owned
 * by `instanceId` until `leaseUntil`, with one more attempt.
 */
export async function claimNext(
  store: Store,
  p: { instanceId: string; now: number; leaseUntil: number; perUserRunning: number; globalRunning: number },
): Promise<Task | undefined> {
  return store.write(async (tx) => {
    const running = await tx.query(`SELECT COUNT(*) AS n FROM tasks WHERE status = 'running'`);
    if (Number(running[0]?.n ?? 0) >= p.globalRunning) return undefined;
    const next = await tx.query(
      `SELECT id FROM tasks t WHERE t.status = 'queued'
         AND (SELECT COUNT(*) FROM tasks r WHERE r.user_id = t.user_id AND r.status = 'running') < ?
       ORDER BY t.created_at, t.id LIMIT 1`,
      [p.perUserRunning],
    );
    const id = next[0]?.id;
    if (id == null) return undefined;
    await tx.run(
      `UPDATE tasks SET status = 'running', claimed_by = ?, lease_until = ?, attempts = attempts + 1,
         started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND status = 'queued'`,
      [p.instanceId, p.leaseUntil, p.now, p.now, String(id)],
    );
    const row = await tx.query('SELECT * FROM tasks WHERE id = ?', [String(id)]);
    return row[0] ? taskOf(row[0]) : undefined;
  });
}

/** Extends a running task's claim; false when it is no longer this instance's running task (cancelled, wiped). */
export async function renewLease(store: Store, id: string, instanceId: string, leaseUntil: number): Promise<boolean> {
  const r = await store.run(`UPDATE tasks SET lease_until = ? WHERE id = ? AND claimed_by = ? AND status = 'running'`, [
    leaseUntil,
    id,
    instanceId,
  ]);
  return r.changes > 0;
}

/**
 * Ends this instance's running task with its result (kept until posted; this instance posts it before `leaseUntil`).
 * False when the task is no longer its running task: it was cancelled or wiped meanwhile, and nothing is posted.
 */
export async function completeTask(
  store: Store,
  p: { id: string; instanceId: string; status: 'done' | 'failed' | 'waiting'; result?: string; error?: string },
  now: number,
  leaseUntil: number,
): Promise<boolean> {
  const r = await store.run(
    `UPDATE tasks SET status = ?, result = ?, error = ?, finished_at = ?, updated_at = ?, lease_until = ?,
       delivered = CASE WHEN ? = 'waiting' THEN 1 ELSE 0 END
     WHERE id = ? AND claimed_by = ? AND status = 'running'`,
    [p.status, p.result ?? null, p.error?.slice(0, 500) ?? null, now, now, leaseUntil, p.status, p.id, p.instanceId],
  );
  return r.changes > 0;
}

/** A task whose pause for an approval could not be stored: failed (its failure is posted next). */
export async function failWaiting(store: Store, id: string, now: number): Promise<void> {
  await store.run(
    `UPDATE tasks SET status = 'failed', error = 'approval', delivered = 0, updated_at = ? WHERE id = ? AND status = 'waiting'`,
    [now, id],
  );
}

/** The posted message of an ended task (or that posting is given up: the chat is gone); the result text goes. */
export async function markDelivered(store: Store, id: string, messageId: number | undefined): Promise<void> {
  await store.run('UPDATE tasks SET delivered = 1, result = NULL, result_message_id = ? WHERE id = ?', [
    messageId ?? null,
    id,
  ]);
}

/** Puts this instance's running task back in the queue without counting the try (stopped by a shutdown). */
export async function releaseTask(store: Store, id: string, instanceId: string, now: number): Promise<boolean> {
  const r = await store.run(
    `UPDATE tasks SET status = 'queued', claimed_by = NULL, lease_until = NULL, attempts = MAX(attempts - 1, 0),
       updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'running'`,
    [now, id, instanceId],
  );
  return r.changes > 0;
}

/**
 * Tasks whose claim lapsed (their instance crashed): queued again, or failed once they were tried `maxAttempts`
 * times (then posted as failed). Returns how many were queued again and failed.
 */
export async function takeOverLapsed(
  store: Store,
  now: number,
  maxAttempts: number,
): Promise<{ requeued: number; failed: number }> {
  return store.write(async (tx) => {
    const failed = await tx.run(
      `UPDATE tasks SET status = 'failed', error = 'interrupted', finished_at = ?, updated_at = ?, delivered = 0,
         claimed_by = NULL, lease_until = NULL
       WHERE status = 'running' AND lease_until < ? AND attempts >= ?`,
      [now, now, now, maxAttempts],
    );
    const requeued = await tx.run(
      `UPDATE tasks SET status = 'queued', claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE status = 'running' AND lease_until < ?`,
      [now, now],
    );
    return { requeued: requeued.changes, failed: failed.changes };
  });
}

/** Ended tasks whose message was not posted yet and that no instance is posting now. */
export async function undelivered(store: Store, now: number, limit = 20): Promise<(Task & { result?: string })[]> {
  const rows = await store.query(
    `SELECT * FROM tasks WHERE status IN ('done','failed','cancelled') AND delivered = 0
       AND (lease_until IS NULL OR lease_until < ?) ORDER BY finished_at LIMIT ${limit}`,
    [now],
  );
  return rows.map((r) => ({ ...taskOf(r), ...(r.result != null ? { result: String(r.result) } : {}) }));
}

/** Claims an undelivered task's posting for this instance until `leaseUntil`; false when another one has it. */
export async function claimDelivery(store: Store, id: string, now: number, leaseUntil: number): Promise<boolean> {
  const r = await store.run(
    `UPDATE tasks SET lease_until = ? WHERE id = ? AND delivered = 0 AND (lease_until IS NULL OR lease_until < ?)`,
    [leaseUntil, id, now],
  );
  return r.changes > 0;
}

/** What a cancel found: the task was cancelled now, had already ended, is someone else's, or is gone. */
export type CancelResult =
  | { result: 'cancelled'; task: Task }
  | { result: 'ended'; task: Task }
  | { result: 'not_yours' }
  | { result: 'not_found' };

/** Cancels the user's queued or running task (the runner sees it at once here, at its next lease renewal elsewhere). */
export async function cancelTask(
  store: Store,
  id: string,
  userId: number,
  now: number,
  leaseUntil: number,
): Promise<CancelResult> {
  return store.write(async (tx) => {
    const row = (await tx.query('SELECT * FROM tasks WHERE id = ?', [id]))[0];
    if (!row) return { result: 'not_found' };
    if (Number(row.user_id) !== userId) return { result: 'not_yours' };
    const task = taskOf(row);
    if (task.status !== 'queued' && task.status !== 'running') return { result: 'ended', task };
    await tx.run(
      `UPDATE tasks SET status = 'cancelled', finished_at = ?, updated_at = ?, delivered = 0, claimed_by = NULL,
         lease_until = ? WHERE id = ?`,
      [now, now, leaseUntil, id],
    );
    return { result: 'cancelled', task: { ...task, status: 'cancelled', finishedAt: now } };
  });
}

/** The user's tasks in one chat: queued and running ones, then the `recent` latest ended ones (or handed to an approval). */
export async function listTasks(store: Store, userId: number, chatId: number, recent: number): Promise<Task[]> {
  const open = await store.query(
    `SELECT * FROM tasks WHERE user_id = ? AND chat_id = ? AND status IN ('queued','running')
     ORDER BY created_at, id`,
    [userId, chatId],
  );
  const ended = await store.query(
    `SELECT * FROM tasks WHERE user_id = ? AND chat_id = ? AND status IN ('done','failed','cancelled','waiting')
     ORDER BY finished_at DESC, id LIMIT ${recent}`,
    [userId, chatId],
  );
  return [...open, ...ended].map(taskOf);
}
