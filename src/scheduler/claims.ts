import { toError } from '../core/errors.ts';
import type { OutMessage } from '../core/outbox.ts';
import type { WriteTx } from '../store/db.ts';
import type { Job } from './job.ts';
import {
  advanceJob,
  anyDueJob,
  dueJobs,
  getLiveJob,
  type JobRead,
  pauseUnreadable,
  recordSkipOnJob,
} from './job-store.ts';
import { type DueDecision, decideDue, type RunTrigger } from './missed-run.ts';
import {
  anyRunNeedingAttention,
  giveUpRun,
  insertClaimedRun,
  insertSkippedRun,
  type RunNeedingAttention,
  runsNeedingAttention,
  takeOverRun,
} from './run-store.ts';
import type { SchedulerContext } from './scheduler-context.ts';

/** A claimed occurrence ready to execute. */
export interface Claimed {
  job: Job;
  scheduledFor: number;
  trigger: RunTrigger;
  attempts: number;
  /** Set on retries of prompts: the answer computed before, so the Network is not asked again. */
  result?: OutMessage;
  missedCount?: number;
}

/** Claims one occurrence for this instance (first attempt). */
export function claimRun(
  ctx: SchedulerContext,
  tx: WriteTx,
  jobId: string,
  scheduledFor: number,
  trigger: RunTrigger,
  now: number,
): Promise<boolean> {
  return insertClaimedRun(tx, {
    jobId,
    scheduledFor,
    trigger,
    instanceId: ctx.instanceId,
    now,
    leaseUntil: now + ctx.leaseMs,
  });
}

/** Claims due occurrences and advances `next_run_at`, in one write transaction. */
export async function claimDue(
  ctx: SchedulerContext,
  now: number,
  limit: number,
): Promise<{ claimed: Claimed[]; skipped: number; full: boolean }> {
  // A cheap indexed read first: most wake-ups of a busy instance find nothing new, and reads don't take the write lock.
  if (!(await anyDueJob(ctx.store, now))) return { claimed: [], skipped: 0, full: false };
  return ctx.store.write(async (tx) => {
    const reads = await dueJobs(tx, now, limit);
    const claimed: Claimed[] = [];
    let skipped = 0;
    for (const read of reads) {
      const decided = decide(read, now, ctx.opt.onTimeMs);
      if ('error' in decided) {
        ctx.log.error({ jobId: read.id, err: decided.error }, 'job cannot be scheduled; pausing it');
        await pauseUnreadable(tx, read.id, decided.error.message, now);
        continue;
      }
      const outcome = await applyDecision(ctx, tx, decided.job, decided.decision, now);
      if (outcome.skipped) skipped++;
      if (outcome.claimed) claimed.push(outcome.claimed);
    }
    return { claimed, skipped, full: reads.length >= limit };
  });
}

function decide(read: JobRead, now: number, onTimeMs: number): { job: Job; decision: DueDecision } | { error: Error } {
  if ('error' in read) return { error: read.error };
  try {
    return { job: read.job, decision: decideDue(read.job, now, onTimeMs) };
  } catch (err) {
    return { error: toError(err) };
  }
}

async function applyDecision(
  ctx: SchedulerContext,
  tx: WriteTx,
  job: Job,
  decision: DueDecision,
  now: number,
): Promise<{ skipped: boolean; claimed?: Claimed }> {
  if (!(await advanceJob(tx, job, decision.next, now))) return { skipped: false }; // another instance got here first
  const { record, run } = decision;
  if (record) {
    await insertSkippedRun(tx, {
      jobId: job.id,
      scheduledFor: record.scheduledFor,
      instanceId: ctx.instanceId,
      error: record.error,
      now,
    });
    await recordSkipOnJob(tx, job.id, record.error);
    ctx.log.info({ jobId: job.id, scheduledFor: record.scheduledFor }, record.error);
  }
  if (!run || !(await claimRun(ctx, tx, job.id, run.scheduledFor, run.trigger, now))) return { skipped: !!record };
  const done = decision.next === null;
  const claimed: Claimed = {
    job: { ...job, nextRunAt: decision.next, enabled: !done },
    scheduledFor: run.scheduledFor,
    trigger: run.trigger,
    attempts: 1,
    ...(run.missedCount !== undefined ? { missedCount: run.missedCount } : {}),
  };
  return { skipped: !!record, claimed };
}

/** Re-claims runs waiting for a retry, and runs whose claimer disappeared (lease expired). */
export async function claimRetries(
  ctx: SchedulerContext,
  now: number,
  limit: number,
  inFlight: (jobId: string, scheduledFor: number) => boolean,
): Promise<Claimed[]> {
  if (!(await anyRunNeedingAttention(ctx.store, now))) return [];
  return ctx.store.write(async (tx) => {
    const claimed: Claimed[] = [];
    for (const r of await runsNeedingAttention(tx, now, limit)) {
      if (inFlight(r.jobId, r.scheduledFor)) continue;
      const c = await retakeRun(ctx, tx, r, now);
      if (c) claimed.push(c);
    }
    return claimed;
  });
}

async function retakeRun(
  ctx: SchedulerContext,
  tx: WriteTx,
  r: RunNeedingAttention,
  now: number,
): Promise<Claimed | undefined> {
  const attempts = r.attempts + 1;
  const live = await getLiveJob(tx, r.jobId);
  const maxAttempts = ctx.opt.retry.retries + 1;
  if (!live.found || attempts > maxAttempts) {
    await giveUpRun(tx, r, live.found ? 'gave up after repeated attempts' : 'job was deleted', now);
    return undefined;
  }
  const took = await takeOverRun(tx, r, { instanceId: ctx.instanceId, attempts, leaseUntil: now + ctx.leaseMs });
  if (!took || !('job' in live.read)) return undefined;
  return {
    job: live.read.job,
    scheduledFor: r.scheduledFor,
    trigger: r.trigger,
    attempts,
    ...(r.result ? { result: r.result } : {}),
  };
}
