import type { Store, WriteTx } from '../store/db.ts';

/** /wipe: the user's workflow runs with their event logs and decisions (in the caller's transaction). */
export async function wipeWorkflowRuns(tx: WriteTx, userId: number): Promise<number> {
  const mine = 'SELECT id FROM workflow_runs WHERE user_id = ?';
  await tx.run(`DELETE FROM workflow_events WHERE run_id IN (${mine})`, [userId]);
  await tx.run(`DELETE FROM workflow_decisions WHERE run_id IN (${mine})`, [userId]);
  return (await tx.run('DELETE FROM workflow_runs WHERE user_id = ?', [userId])).changes;
}

/** /export: the user's workflow runs, each with its parameters, status and event log. */
export async function exportWorkflowRuns(store: Store, userId: number): Promise<Record<string, unknown>[]> {
  const runs = await store.query(
    `SELECT id, workflow, chat_id, params, status, error, created_at, finished_at FROM workflow_runs
     WHERE user_id = ? ORDER BY created_at`,
    [userId],
  );
  const out: Record<string, unknown>[] = [];
  for (const r of runs) {
    const events = await store.query(
      'SELECT seq, step, type, data, at FROM workflow_events WHERE run_id = ? ORDER BY seq',
      [r.id as string],
    );
    out.push({ ...r, params: JSON.parse(String(r.params)) as unknown, events });
  }
  return out;
}
