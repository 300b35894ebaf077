import type { Store } from '../store/db.ts';
import { PAUSE_REASONS } from './messages.ts';

/** Why a job was paused when its owner lost access (shown in /jobs once they are let back in). */
export const ACCESS_ENDED_REASON = PAUSE_REASONS.accessEnded;

/** A job paused because its owner lost access. */
export interface PausedJob {
  id: string;
  kind: 'reminder' | 'prompt';
  text: string;
}

/**
 * Pauses every active job of `userId` and drops their runs waiting for a delivery retry, in one transaction, so no
 * occurrence of theirs runs or posts again. Returns the jobs it paused (none when all were already paused).
 */
export function pauseJobsOfUser(
  store: Store,
  userId: number,
  now: number,
  reason = ACCESS_ENDED_REASON,
): Promise<PausedJob[]> {
  return store.write(async (tx) => {
    const rows = await tx.query(
      'SELECT id, kind, text FROM jobs WHERE owner_user_id = ? AND enabled = 1 AND completed_at IS NULL ORDER BY next_run_at, created_at',
      [userId],
    );
    await tx.run(
      'UPDATE jobs SET enabled = 0, paused_reason = ?, updated_at = ? WHERE owner_user_id = ? AND enabled = 1 AND completed_at IS NULL',
      [reason, now, userId],
    );
    await tx.run(
      `UPDATE job_runs SET status = 'skipped', attention_at = NULL, finished_at = ?, error = 'access ended'
       WHERE status = 'retry' AND job_id IN (SELECT id FROM jobs WHERE owner_user_id = ?)`,
      [now, userId],
    );
    return rows.map((r) => ({
      id: String(r.id),
      kind: r.kind === 'prompt' ? 'prompt' : 'reminder',
      text: String(r.text),
    }));
  });
}

/** Users who own at least one active job (the start-up check looks for owners who lost access while offline). */
export async function activeJobOwners(store: Store): Promise<number[]> {
  const rows = await store.query(
    'SELECT DISTINCT owner_user_id AS id FROM jobs WHERE enabled = 1 AND completed_at IS NULL',
  );
  return rows.map((r) => Number(r.id));
}
