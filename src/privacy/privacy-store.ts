import type { ChatRef } from '../core/outbox.ts';
import { deleteRuns, deleteUnreferencedAttachments } from '../retention/prune-store.ts';
import { eraseUserSecrets, secretNamesOf } from '../secrets/secret-rows.ts';
import { type SkillExport, eraseUserSkills, exportUserSkills } from '../skills/skill-privacy.ts';
import type { Row, Store, WriteTx } from '../store/db.ts';
import { eraseUserTasks, exportUserTasks } from '../tasks/task-privacy.ts';
import { type UsageExport, eraseUserUsage, exportUserUsage } from '../usage/usage-privacy.ts';

/**
 * The SQL of /wipe and /export outside memory (memory's own tables are erased and exported by src/memory).
 * "The user's rows" are the rows they caused: their runs and approvals, their jobs, their journal updates, their
 * grants, their private chat's delivery receipts, their profile. Other members' rows in a group stay.
 */

/** Journal rows whose sender is the user: by column, or by payload for rows journaled before the column existed. */
const USER_UPDATES = `(user_id = ? OR (user_id IS NULL AND ? IN (
  json_extract(payload, '$.message.from.id'), json_extract(payload, '$.edited_message.from.id'),
  json_extract(payload, '$.callback_query.from.id'), json_extract(payload, '$.my_chat_member.from.id'))))`;

/** A prompt message still showing buttons for a request that /wipe cancelled. */
export interface PromptCopy {
  chat: ChatRef;
  messageId: number;
}

/**
 * Cancels every suspended run of the user, first thing in a wipe: the runs, their approvals, prompt copies, events
 * and file references are deleted, so no click, sweep or restart can resume them. Returns the cancelled run ids
 * and the prompts of requests that were still open (to close them in the chat).
 */
export async function cancelUserRuns(
  tx: WriteTx,
  userId: number,
): Promise<{ runIds: string[]; open: number; prompts: PromptCopy[] }> {
  const runIds = (await tx.query('SELECT id FROM approval_runs WHERE user_id = ?', [userId])).map((r) => String(r.id));
  if (runIds.length === 0) return { runIds, open: 0, prompts: [] };
  const marks = runIds.map(() => '?').join(',');
  const open = Number(
    (await tx.query(`SELECT COUNT(*) AS n FROM approvals WHERE run_id IN (${marks}) AND status = 'pending'`, runIds))[0]
      ?.n ?? 0,
  );
  const copies = await tx.query(
    `SELECT m.chat_id, m.topic_id, m.message_id FROM approval_messages m JOIN approvals a ON a.id = m.approval_id
     WHERE a.run_id IN (${marks}) AND a.status = 'pending'`,
    runIds,
  );
  await deleteRuns(tx, runIds);
  const prompts = copies.map((c) => ({
    chat:
      c.topic_id == null ? { chatId: Number(c.chat_id) } : { chatId: Number(c.chat_id), topicId: Number(c.topic_id) },
    messageId: Number(c.message_id),
  }));
  return { runIds, open, prompts };
}

/** What the wipe removed outside memory. */
export interface ErasedRows {
  jobs: number;
  updates: number;
}

/**
 * Erases the user's rows in every table but memory's, in the caller's (secure-delete) transaction. `runIds` are the
 * runs cancelled earlier: a resume that was already running may have appended events to them since.
 */
export async function eraseUserRows(tx: WriteTx, userId: number, runIds: string[], now: number): Promise<ErasedRows> {
  const late = (await tx.query('SELECT id FROM approval_runs WHERE user_id = ?', [userId])).map((r) => String(r.id));
  await deleteRuns(tx, [...new Set([...runIds, ...late])]);
  if (runIds.length > 0)
    await tx.run(`DELETE FROM run_events WHERE run_id IN (${runIds.map(() => '?').join(',')})`, runIds);
  await tx.run('DELETE FROM approval_grants WHERE user_id = ? OR granted_by = ?', [userId, userId]);
  await tx.run('DELETE FROM job_runs WHERE job_id IN (SELECT id FROM jobs WHERE owner_user_id = ?)', [userId]);
  const jobs = (await tx.run('DELETE FROM jobs WHERE owner_user_id = ?', [userId])).changes;
  // Finished and running updates become bare ids (the dedupe window still holds); updates not started yet arrived
  // after the wipe was confirmed and are the user's new messages.
  const updates = (
    await tx.run(
      `UPDATE updates SET payload = json_object('update_id', update_id), chat_key = NULL, error = NULL, user_id = NULL
       WHERE state <> 'pending' AND ${USER_UPDATES}`,
      [userId, userId],
    )
  ).changes;
  await tx.run('DELETE FROM outbox_deliveries WHERE chat_id = ?', [userId]);
  await tx.run('DELETE FROM send_budget WHERE key = ?', [`chat:${userId}`]);
  await tx.run('DELETE FROM access_notices WHERE user_id = ?', [userId]);
  await tx.run('DELETE FROM memory_pending_actions WHERE user_id = ?', [userId]);
  await tx.run('DELETE FROM attachment_refs WHERE user_id = ?', [userId]);
  await eraseUserSecrets(tx, userId);
  await eraseUserUsage(tx, userId);
  await eraseUserTasks(tx, userId);
  await eraseUserSkills(tx, userId);
  // A group's time zone stays (it is the group's); who set it and their open question go.
  await tx.run('UPDATE chat_settings SET updated_by = NULL WHERE updated_by = ?', [userId]);
  await tx.run('UPDATE chat_settings SET awaiting_tz_from = NULL, awaiting_tz_at = NULL WHERE awaiting_tz_from = ?', [
    userId,
  ]);
  await deleteUnreferencedAttachments(tx);
  // Access stays (it decides whether the bot serves them); who they are and how they set it up goes.
  await tx.run(
    `UPDATE users SET first_name = NULL, username = NULL, timezone = NULL, language = NULL, settings = '{}', updated_at = ?
     WHERE id = ?`,
    [now, userId],
  );
  return { jobs, updates };
}

/** Everything outside memory stored about the user, as rows (the export shapes them). */
export interface UserRows {
  profile: Row | undefined;
  jobs: Row[];
  jobRuns: Row[];
  runs: Row[];
  approvals: Row[];
  events: Row[];
  grants: Row[];
  updates: Row[];
  files: Row[];
  /** Group settings the user changed last. */
  groupSettings: Row[];
  /** Names and dates of the user's secrets (/connect), never values. */
  connections: Row[];
  usage: UsageExport;
  /** Background tasks: what was asked, status, the result while it waits to be posted. */
  tasks: Record<string, unknown>[];
  /** The user's skills (every chat). */
  skills: SkillExport[];
}

export async function readUserRows(store: Store, userId: number): Promise<UserRows> {
  const profile = await store.get(
    'SELECT id, first_name, username, timezone, language, access, settings, created_at, updated_at FROM users WHERE id = ?',
    [userId],
  );
  const jobs = await store.query('SELECT * FROM jobs WHERE owner_user_id = ? ORDER BY created_at', [userId]);
  const jobRuns = await store.query(
    `SELECT job_id, scheduled_for, trigger, status, attempts, started_at, finished_at, error FROM job_runs
     WHERE job_id IN (SELECT id FROM jobs WHERE owner_user_id = ?) ORDER BY scheduled_for`,
    [userId],
  );
  const runs = await store.query(
    `SELECT id, chat_id, topic_id, origin, request, round, status, outcome_status, error, created_at, updated_at
     FROM approval_runs WHERE user_id = ? ORDER BY created_at`,
    [userId],
  );
  const approvals = await store.query(
    `SELECT id, run_id, round, agent, tool, args, kind, question, options, summary, reason, status, answer, always,
       expires_at, decided_by, decided_at, chat_id, topic_id, created_at
     FROM approvals WHERE run_id IN (SELECT id FROM approval_runs WHERE user_id = ?) ORDER BY created_at`,
    [userId],
  );
  const events = await store.query(
    `SELECT run_id, seq, type, data, at FROM run_events WHERE run_id IN (SELECT id FROM approval_runs WHERE user_id = ?)
     ORDER BY run_id, seq`,
    [userId],
  );
  const grants = await store.query(
    'SELECT tool, target, chat_id, created_at FROM approval_grants WHERE user_id = ? ORDER BY created_at, id',
    [userId],
  );
  const updates = await store.query(
    `SELECT update_id, kind, state, payload, created_at FROM updates WHERE ${USER_UPDATES} ORDER BY update_id`,
    [userId, userId],
  );
  const files = await store.query(
    `SELECT r.run_id, r.hash, a.bytes, r.created_at FROM attachment_refs r JOIN attachments a ON a.hash = r.hash
     WHERE r.user_id = ? ORDER BY r.created_at`,
    [userId],
  );
  const groupSettings = await store.query(
    'SELECT chat_id, timezone, updated_at FROM chat_settings WHERE updated_by = ? ORDER BY chat_id',
    [userId],
  );
  const connections = await secretNamesOf(store, userId);
  const usage = await exportUserUsage(store, userId);
  const found = { profile, jobs, jobRuns, runs, approvals, events, grants, updates, files, groupSettings };
  const [tasks, skills] = [await exportUserTasks(store, userId), await exportUserSkills(store, userId)];
  return { ...found, connections, usage, tasks, skills };
}
