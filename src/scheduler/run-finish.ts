import { jobRunKey } from '../core/keys/dedupe-keys.ts';
import type { WriteTx } from '../store/db.ts';
import type { Claimed } from './claims.ts';
import { failureState, pauseJob, recordRunOnJob } from './job-store.ts';
import { quote } from './messages.ts';
import { finishRun } from './run-store.ts';
import { type SchedulerContext, chatRefOf, ownerLocale } from './scheduler-context.ts';
import { schedulerTexts } from './scheduler-texts.ts';

/** How a run ended. `countFailure: false` keeps a failure out of the failures-in-a-row count. */
export interface FinishResult {
  status: string;
  ok: boolean;
  error?: string;
  messageId?: number;
  countFailure?: boolean;
}

interface FinishEntry {
  c: Claimed;
  r: FinishResult;
  now: number;
  resolve(autoPausedAfter: number | undefined): void;
  reject(err: unknown): void;
}

/** Records a run's end (group-committed with other ends) and posts a notice when that auto-paused the job. */
export type FinishRun = (c: Claimed, r: FinishResult) => Promise<void>;

/** Creates the run finisher of one scheduler. */
export function createRunFinisher(ctx: SchedulerContext): FinishRun {
  const queue: FinishEntry[] = [];
  let flushing: Promise<void> | undefined;

  /** Group commit: every finish waiting while a write runs goes into the next single transaction. */
  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, 256);
      try {
        const results = await ctx.store.write(async (tx) => {
          const out: (number | undefined)[] = [];
          for (const e of batch) out.push(await finishInTx(ctx, tx, e));
          return out;
        });
        batch.forEach((e, i) => {
          e.resolve(results[i]);
        });
      } catch (err) {
        for (const e of batch) e.reject(err);
      }
    }
    flushing = undefined;
  }

  return async (c, r) => {
    const job = c.job;
    const after = await new Promise<number | undefined>((resolve, reject) => {
      queue.push({ c, r, now: ctx.clock.now(), resolve, reject });
      if (!flushing) flushing = flush();
    });
    if (after === undefined) return;
    ctx.log.warn({ jobId: job.id, failures: after }, 'job auto-paused after consecutive failures');
    const notice = await ctx.outbox.send(chatRefOf(job), {
      text: schedulerTexts(await ownerLocale(ctx.deps, job.ownerUserId)).autoPaused({
        text: quote(job.text, 80),
        failures: after,
      }),
      format: 'plain',
      dedupeKey: jobRunKey.encode({ jobId: job.id, scheduledFor: c.scheduledFor, variant: 'paused' }),
    });
    if (!notice.ok) ctx.log.warn({ jobId: job.id, reason: notice.reason }, 'could not post the auto-pause notice');
  };
}

/** Records a run's end and the job's last status; returns the failure count when this run auto-paused the job. */
async function finishInTx(ctx: SchedulerContext, tx: WriteTx, { c, r, now }: FinishEntry): Promise<number | undefined> {
  const jobId = c.job.id;
  const error = r.error ? r.error.slice(0, 500) : null;
  const base = { jobId, scheduledFor: c.scheduledFor, status: r.status, error, now };
  await finishRun(tx, { ...base, ...(r.messageId !== undefined ? { messageId: r.messageId } : {}) });
  const failing = !r.ok && r.countFailure !== false;
  await recordRunOnJob(tx, { ...base, failing });
  if (!failing) return undefined;
  const { failures, enabled } = await failureState(tx, jobId);
  if (failures < ctx.opt.maxConsecutiveFailures || !enabled) return undefined;
  const reason = `paused after ${failures} failed runs in a row (last: ${(error ?? 'unknown error').slice(0, 120)}). Tap Resume in /jobs to try again`;
  await pauseJob(tx, jobId, reason, now);
  return failures;
}
