import type { Logger } from '../core/logger.ts';
import type { TurnRequest } from '../core/turn.ts';
import type { Store, WriteTx } from '../store/db.ts';
import { type NewRunEvent, appendRunEvents } from './events.ts';
import { type ApprovalRecord, type RunRecord, toApprovalRecord, toRunRecord } from './records.ts';

/** A run claimed for resuming, with the settled approvals of its current round. */
export interface ClaimedRun {
  run: RunRecord;
  approvals: ApprovalRecord[];
}

/** SQL of the `approval_runs` table (suspended runs); rows come back as typed records. */
export interface RunStore {
  /** Inserts a waiting run (round 1) inside the caller's transaction; `request` and `suspension` are stored JSON. */
  insert(
    tx: WriteTx,
    runId: string,
    request: TurnRequest,
    json: { request: string; suspension: string },
    now: number,
  ): Promise<void>;
  /**
   * CAS waiting → resuming once no call of the current round is pending, with a lease; appends `resumed`.
   * Undefined when the run is not waiting or still has open calls (exactly once across processes).
   */
  claim(runId: string, now: number, leaseMs: number): Promise<ClaimedRun | undefined>;
  /** Resuming → waiting for a new round, inside the caller's transaction. Throws when the run is no longer resuming. */
  suspendAgain(tx: WriteTx, run: RunRecord, round: number, suspension: string, now: number): Promise<void>;
  /** Resuming → done or failed, with the events that say how. */
  finish(
    run: RunRecord,
    end: { status: 'done' | 'failed'; outcome: string; error: string | undefined },
    events: NewRunEvent[],
    now: number,
  ): Promise<void>;
  /** Waiting runs whose calls are all settled (e.g. the process died right after a click). */
  settledIds(): Promise<string[]>;
  /** Resuming runs whose lease lapsed (their process died). */
  lapsed(now: number): Promise<RunRecord[]>;
  /** CAS a lapsed resuming run → failed (interrupted). False when another process was first. */
  markInterrupted(run: RunRecord, now: number): Promise<boolean>;
}

/** Creates the suspended runs' SQL module. */
export function createRunStore(store: Store, log: Logger): RunStore {
  return {
    async insert(tx, runId, request, json, now) {
      await tx.run(
        `INSERT INTO approval_runs (id, chat_id, topic_id, user_id, origin, request, suspension, round, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'waiting', ?, ?)`,
        [
          runId,
          request.chat.chatId,
          request.chat.topicId ?? null,
          request.userId,
          request.source,
          json.request,
          json.suspension,
          now,
          now,
        ],
      );
    },
    claim: (runId, now, leaseMs) => store.write((tx) => claimIn(tx, log, runId, now, leaseMs)),
    async suspendAgain(tx, run, round, suspension, now) {
      const r = await tx.run(
        `UPDATE approval_runs SET status = 'waiting', round = ?, suspension = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'resuming'`,
        [round, suspension, now, run.id],
      );
      if (r.changes !== 1) throw new Error(`run ${run.id} is no longer resuming`);
    },
    async finish(run, end, events, now) {
      await store.write(async (tx) => {
        await tx.run(
          `UPDATE approval_runs SET status = ?, outcome_status = ?, error = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'resuming'`,
          [end.status, end.outcome, end.error ?? null, now, run.id],
        );
        await appendRunEvents(tx, log, run.id, run.chat.chatId, now, events);
      });
    },
    async settledIds() {
      const rows = await store.query(
        `SELECT id FROM approval_runs r WHERE status = 'waiting'
         AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.run_id = r.id AND a.round = r.round AND a.status = 'pending') LIMIT 100`,
      );
      return rows.map((r) => String(r.id));
    },
    async lapsed(now) {
      const rows = await store.query(
        `SELECT * FROM approval_runs WHERE status = 'resuming' AND lease_until < ? LIMIT 100`,
        [now],
      );
      return rows.map(toRunRecord);
    },
    markInterrupted: (run, now) =>
      store.write(async (tx) => {
        const r = await tx.run(
          `UPDATE approval_runs SET status = 'failed', outcome_status = 'interrupted', error = 'process restarted during resume', lease_until = NULL, updated_at = ?
           WHERE id = ? AND status = 'resuming' AND lease_until < ?`,
          [now, run.id, now],
        );
        if (r.changes !== 1) return false;
        await appendRunEvents(tx, log, run.id, run.chat.chatId, now, [
          { type: 'interrupted', data: { reason: 'process_restart' } },
        ]);
        return true;
      }),
  };
}

async function claimIn(
  tx: WriteTx,
  log: Logger,
  runId: string,
  now: number,
  leaseMs: number,
): Promise<ClaimedRun | undefined> {
  const r = await tx.run(
    `UPDATE approval_runs SET status = 'resuming', lease_until = ?, updated_at = ?
         WHERE id = ? AND status = 'waiting'
           AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.run_id = approval_runs.id AND a.round = approval_runs.round AND a.status = 'pending')`,
    [now + leaseMs, now, runId],
  );
  if (r.changes !== 1) return undefined;
  const runRow = (await tx.query('SELECT * FROM approval_runs WHERE id = ?', [runId]))[0];
  if (!runRow) return undefined;
  const run = toRunRecord(runRow);
  const approvals = (await tx.query('SELECT * FROM approvals WHERE run_id = ? AND round = ?', [runId, run.round])).map(
    toApprovalRecord,
  );
  await appendRunEvents(tx, log, runId, run.chat.chatId, now, [
    {
      type: 'resumed',
      data: {
        round: run.round,
        decisions: approvals.map((a) => ({ approvalId: a.id, tool: a.tool, status: a.status })),
      },
    },
  ]);
  return { run, approvals };
}
