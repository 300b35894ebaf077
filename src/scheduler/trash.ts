import type { Store } from '../store/db.ts';
import { secureDeletes } from '../store/secure-delete.ts';
import { type Job, jobFromRow } from './job.ts';

/**
 * The SQL of deleting a job with Undo. A deleted job keeps its row with `deleted_at` and an undo token; its next run
 * is cleared so it never fires (its `enabled` flag is kept, so Undo brings back a paused job paused), and it is left
 * out of every list. After the Undo window it is purged with its runs.
 */

/** Marks the job deleted; false when it was already deleted or doesn't exist. */
export async function markDeleted(store: Store, id: string, token: string, now: number): Promise<boolean> {
  const r = await store.run(
    `UPDATE jobs SET deleted_at = ?, undo_token = ?, next_run_at = NULL, edit_by = NULL, edit_at = NULL, updated_at = ?
     WHERE id = ? AND deleted_at IS NULL`,
    [now, token, now, id],
  );
  return r.changes === 1;
}

/** The deleted job an undo token names (undefined once restored or purged). */
export async function deletedByToken(store: Store, token: string): Promise<Job | undefined> {
  const row = await store.get('SELECT * FROM jobs WHERE undo_token = ? AND deleted_at IS NOT NULL', [token]);
  return row ? jobFromRow(row) : undefined;
}

/** Brings a deleted job back with its next run; false when another press restored it first. */
export async function markRestored(
  store: Store,
  id: string,
  token: string,
  nextRunAt: number | null,
  now: number,
): Promise<boolean> {
  const r = await store.run(
    `UPDATE jobs SET deleted_at = NULL, undo_token = NULL, next_run_at = ?, updated_at = ?
     WHERE id = ? AND undo_token = ? AND deleted_at IS NOT NULL`,
    [nextRunAt, now, id, token],
  );
  return r.changes === 1;
}

/** Deletes for good the jobs deleted before `cutoff`, with their runs. Returns how many jobs went. */
export async function purgeDeleted(store: Store, cutoff: number): Promise<number> {
  const any = await store.get('SELECT 1 AS x FROM jobs WHERE deleted_at IS NOT NULL AND deleted_at < ? LIMIT 1', [
    cutoff,
  ]);
  if (!any) return 0;
  return store.write(async (tx) => {
    await secureDeletes(tx, store.kind);
    await tx.run(
      'DELETE FROM job_runs WHERE job_id IN (SELECT id FROM jobs WHERE deleted_at IS NOT NULL AND deleted_at < ?)',
      [cutoff],
    );
    return (await tx.run('DELETE FROM jobs WHERE deleted_at IS NOT NULL AND deleted_at < ?', [cutoff])).changes;
  });
}
