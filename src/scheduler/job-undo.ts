import { canUndo } from '../core/undo.ts';
import { recordCards } from './cards.ts';
import type { Job } from './job.ts';
import { mustGet } from './job-create.ts';
import { getJob } from './job-store.ts';
import { nextRunAfter } from './schedule.ts';
import type { RestoreResult, Scheduler } from './scheduler-api.ts';
import type { SchedulerContext } from './scheduler-context.ts';
import { deletedByToken, markDeleted, markRestored } from './trash.ts';

/** Deletes a job so Undo can bring it back (see `Scheduler.remove`). */
export async function removeJob(
  ctx: SchedulerContext,
  id: string,
  options: { except?: number } = {},
): Promise<{ job: Job; token: string } | undefined> {
  const token = ctx.deps.newId();
  if (!(await markDeleted(ctx.store, id, token, ctx.clock.now()))) return undefined;
  const job = await getJob(ctx.store, id);
  if (!job) return undefined;
  ctx.log.info({ jobId: id }, 'job deleted (can be undone)');
  await ctx.cards.refresh(job, options.except);
  return { job, token };
}

/** Undo: restores the deleted job with its next run recomputed, or says it is too late. */
export async function restoreJob(
  ctx: SchedulerContext,
  token: string,
  options: Parameters<Scheduler['restore']>[1] = {},
): Promise<RestoreResult> {
  const now = ctx.clock.now();
  const job = await deletedByToken(ctx.store, token);
  if (!job || job.deletedAt === null || !canUndo(job.deletedAt, now, ctx.opt.undoWindowMs))
    return { ok: false, reason: 'too_late' };
  const once = job.schedule.type === 'once' ? job.schedule.at : undefined;
  const next = once !== undefined ? (job.completedAt === null ? once : null) : nextRunAfter(job.schedule, now);
  if (!(await markRestored(ctx.store, job.id, token, next, now))) return { ok: false, reason: 'too_late' };
  ctx.wake();
  let restored = await mustGet(ctx, job.id);
  ctx.log.info({ jobId: job.id, nextRunAt: next }, 'job restored (undo)');
  await ctx.cards.refresh(restored, options.except ?? options.card?.messageId);
  if (options.card) {
    // The message with the Undo button becomes the job's card (the caller draws it).
    await recordCards(ctx.store, job.chatId, options.card.messageId, [job.id], options.card.solo);
    restored = await mustGet(ctx, job.id);
  }
  return { ok: true, job: restored };
}

/** The deleted job an Undo token names, while it can still be restored. */
export async function findDeletedJob(ctx: SchedulerContext, token: string): Promise<Job | undefined> {
  const job = await deletedByToken(ctx.store, token);
  return job?.deletedAt != null && canUndo(job.deletedAt, ctx.clock.now(), ctx.opt.undoWindowMs) ? job : undefined;
}
