import type { Store } from '../store/db.ts';
import { type Job, jobFromRow } from './job.ts';

/** How long a "Change time" prompt waits for the new time. */
export const EDIT_WAIT_MS = 10 * 60_000;

/** "Change time": `userId` will type the job's new time as their next message in its chat. */
export async function beginTimeEdit(store: Store, id: string, userId: number, now: number): Promise<void> {
  await store.write(async (tx) => {
    // One prompt at a time per person and chat: the latest one wins.
    await tx.run(
      'UPDATE jobs SET edit_by = NULL, edit_at = NULL WHERE chat_id = (SELECT chat_id FROM jobs WHERE id = ?) AND edit_by = ?',
      [id, userId],
    );
    await tx.run('UPDATE jobs SET edit_by = ?, edit_at = ? WHERE id = ? AND deleted_at IS NULL', [userId, now, id]);
  });
}

/** The job `userId` was recently asked a new time for in this chat. */
export async function pendingTimeEdit(
  store: Store,
  chatId: number,
  userId: number,
  now: number,
): Promise<Job | undefined> {
  const row = await store.get(
    `SELECT * FROM jobs WHERE chat_id = ? AND edit_by = ? AND edit_at > ? AND deleted_at IS NULL AND completed_at IS NULL
     ORDER BY edit_at DESC LIMIT 1`,
    [chatId, userId, now - EDIT_WAIT_MS],
  );
  return row ? jobFromRow(row) : undefined;
}

/** Ends a "Change time" prompt; false when none was open. */
export async function endTimeEdit(store: Store, id: string): Promise<boolean> {
  return (
    (await store.run('UPDATE jobs SET edit_by = NULL, edit_at = NULL WHERE id = ? AND edit_by IS NOT NULL', [id]))
      .changes === 1
  );
}
