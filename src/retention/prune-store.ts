import type { SqlValue, Store, WriteTx } from '../store/db.ts';
import { secureDeletes } from '../store/secure-delete.ts';
import type { PruneStep } from './rules.ts';

/** Rows deleted per transaction, so pruning a large backlog never holds the write lock for long. */
const BATCH = 500;
/** Settled runs per transaction (each takes its approvals, prompt copies, events and attachment refs along). */
const RUN_BATCH = 100;

type Step = (store: Store, cutoff: number) => Promise<number>;

/** Deletes rows matching `where` in batches of BATCH by rowid, each batch its own secure transaction. */
async function deleteInBatches(store: Store, table: string, where: string, args: SqlValue[]): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await store.write(async (tx) => {
      await secureDeletes(tx, store.kind);
      const r = await tx.run(
        `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${where} LIMIT ${BATCH})`,
        args,
      );
      return r.changes;
    });
    total += n;
    if (n < BATCH) return total;
  }
}

/** Deletes runs and everything that hangs off them: approvals, their prompt copies, events and attachment refs. */
export async function deleteRuns(tx: WriteTx, runIds: string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  const marks = runIds.map(() => '?').join(',');
  await tx.run(
    `DELETE FROM approval_messages WHERE approval_id IN (SELECT id FROM approvals WHERE run_id IN (${marks}))`,
    runIds,
  );
  await tx.run(`DELETE FROM approvals WHERE run_id IN (${marks})`, runIds);
  await tx.run(`DELETE FROM run_events WHERE run_id IN (${marks})`, runIds);
  await tx.run(`DELETE FROM attachment_refs WHERE run_id IN (${marks})`, runIds);
  return (await tx.run(`DELETE FROM approval_runs WHERE id IN (${marks})`, runIds)).changes;
}

/** Deletes stored file bytes no run refers to any more. */
export async function deleteUnreferencedAttachments(tx: WriteTx): Promise<number> {
  const r = await tx.run(
    'DELETE FROM attachments WHERE NOT EXISTS (SELECT 1 FROM attachment_refs r WHERE r.hash = attachments.hash)',
  );
  return r.changes;
}

const steps: Record<PruneStep, Step> = {
  finished_updates: (store, cutoff) =>
    deleteInBatches(store, 'updates', `created_at < ? AND updated_at < ? AND state IN ('done','failed','ignored')`, [
      cutoff,
      cutoff,
    ]),

  async settled_runs(store, cutoff) {
    let total = 0;
    for (;;) {
      const n = await store.write(async (tx) => {
        await secureDeletes(tx, store.kind);
        const ids = (
          await tx.query(
            `SELECT id FROM approval_runs WHERE status IN ('done','failed') AND updated_at < ? LIMIT ${RUN_BATCH}`,
            [cutoff],
          )
        ).map((r) => String(r.id));
        return deleteRuns(tx, ids);
      });
      total += n;
      if (n < RUN_BATCH) return total;
    }
  },

  orphan_run_events: (store, cutoff) =>
    deleteInBatches(
      store,
      'run_events',
      'at < ? AND NOT EXISTS (SELECT 1 FROM approval_runs r WHERE r.id = run_events.run_id)',
      [cutoff],
    ),

  // A settled run is never resumed again: the file it kept for the resume is not needed any more.
  async settled_attachment_refs(store) {
    return store.write(async (tx) => {
      const r = await tx.run(
        `DELETE FROM attachment_refs WHERE run_id NOT IN (SELECT id FROM approval_runs WHERE status IN ('waiting','resuming'))`,
      );
      return r.changes;
    });
  },

  unreferenced_attachments: (store) =>
    store.write(async (tx) => {
      await secureDeletes(tx, store.kind);
      return deleteUnreferencedAttachments(tx);
    }),

  finished_job_runs: (store, cutoff) =>
    deleteInBatches(store, 'job_runs', `created_at < ? AND status NOT IN ('claimed','retry')`, [cutoff]),

  async completed_jobs(store, cutoff) {
    return store.write(async (tx) => {
      await secureDeletes(tx, store.kind);
      const ids = (
        await tx.query(
          `SELECT id FROM jobs WHERE completed_at IS NOT NULL AND completed_at < ? AND enabled = 0 LIMIT ${BATCH}`,
          [cutoff],
        )
      ).map((r) => String(r.id));
      if (ids.length === 0) return 0;
      const marks = ids.map(() => '?').join(',');
      await tx.run(`DELETE FROM job_runs WHERE job_id IN (${marks}) AND status NOT IN ('claimed','retry')`, ids);
      return (
        await tx.run(
          `DELETE FROM jobs WHERE id IN (${marks}) AND NOT EXISTS (SELECT 1 FROM job_runs r WHERE r.job_id = jobs.id)`,
          ids,
        )
      ).changes;
    });
  },

  outbox_deliveries: (store, cutoff) => deleteInBatches(store, 'outbox_deliveries', 'created_at < ?', [cutoff]),

  llm_calls: (store, cutoff) => deleteInBatches(store, 'llm_calls', 'ts < ?', [cutoff]),

  pending_confirmations: (store, cutoff) =>
    deleteInBatches(store, 'memory_pending_actions', 'created_at < ?', [cutoff]),

  access_notices: (store, cutoff) => deleteInBatches(store, 'access_notices', 'last_notice_at < ?', [cutoff]),

  access_prompts: (store, cutoff) => deleteInBatches(store, 'access_prompts', 'created_at < ?', [cutoff]),

  stale_instances: (store, cutoff) => deleteInBatches(store, 'journal_instances', 'heartbeat_at < ?', [cutoff]),

  async finished_workflow_runs(store, cutoff) {
    return store.write(async (tx) => {
      await secureDeletes(tx, store.kind);
      const finished = `SELECT id FROM workflow_runs WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT ${BATCH}`;
      await tx.run(`DELETE FROM workflow_events WHERE run_id IN (${finished})`, [cutoff]);
      await tx.run(`DELETE FROM workflow_decisions WHERE run_id IN (${finished})`, [cutoff]);
      return (await tx.run(`DELETE FROM workflow_runs WHERE id IN (${finished})`, [cutoff])).changes;
    });
  },
  ended_tasks: (store, cutoff) =>
    deleteInBatches(store, 'tasks', `status IN ('done','failed','cancelled','waiting') AND updated_at < ?`, [cutoff]),
  idle_send_budgets: (store, cutoff) => deleteInBatches(store, 'send_budget', 'next_at < ?', [cutoff]),
};

/** Runs one pruning step with rows older than `cutoff` (epoch ms). Returns how many rows it deleted. */
export function pruneStep(store: Store, step: PruneStep, cutoff: number): Promise<number> {
  return steps[step](store, cutoff);
}
