import { toError } from '../core/errors.ts';
import { canUndo } from '../core/undo.ts';
import { createJobCards, recordCards } from './cards.ts';
import { claimRun } from './claims.ts';
import { createDuePasses } from './due-pass.ts';
import { beginTimeEdit, endTimeEdit, pendingTimeEdit } from './edits.ts';
import { createRunFiring } from './fire-run.ts';
import { checkText, createJob, mustGet, snoozeJob, upcomingRuns } from './job-create.ts';
import { applyJobChange, deleteJobForGood, getJob, listJobs, moveChatJobs, pauseJob } from './job-store.ts';
import { planUpdate } from './job-update.ts';
import { createdSummary, PAUSE_REASONS } from './messages.ts';
import { createRunFinisher } from './run-finish.ts';
import { createRunLauncher, type RunLauncher } from './run-launcher.ts';
import { releaseClaims } from './run-store.ts';
import { nextRunAfter, ScheduleError } from './schedule.ts';
import type { Scheduler, SchedulerDeps } from './scheduler-api.ts';
import { ownerLocale, resolveOptions, type SchedulerContext } from './scheduler-context.ts';
import { deletedByToken, markDeleted, markRestored, purgeDeleted } from './trash.ts';

export type {
  CreatedJob,
  CreateJobInput,
  RestoreResult,
  Scheduler,
  SchedulerDeps,
  SchedulerOptions,
  SuspensionHandler,
  TickReport,
  UpdateJobInput,
} from './scheduler-api.ts';

/** Creates the scheduler. Nothing runs until `start()`. */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { store, clock } = deps;
  const opt = resolveOptions(deps.options);
  const instanceId = deps.options?.instanceId ?? `sch-${deps.newId()}`;
  const log = deps.log.child({ module: 'scheduler', instance: instanceId });
  const localeOf = (userId: number) => ownerLocale(deps, userId);
  const cards = createJobCards({ store, outbox: deps.outbox, clock, log, localeOf });
  const wake = () => passes.wake();
  const leaseMs = opt.runTimeoutMs + 60_000;
  const ctx: SchedulerContext = { deps, store, clock, outbox: deps.outbox, log, opt, instanceId, leaseMs, cards, wake };
  let started = false;
  let stopping = false;
  const passes = createDuePasses(ctx, () => runs);
  const fire = createRunFiring(ctx, createRunFinisher(ctx), () => stopping);
  const runs: RunLauncher = createRunLauncher(ctx, fire, () => passes.wakeIfBacklog());

  const scheduler: Scheduler = {
    instanceId,
    async start() {
      if (started) return;
      started = true;
      stopping = false;
      try {
        await passes.pass();
      } catch (err) {
        log.error({ err: toError(err) }, 'scheduler recovery pass failed; the loop will retry');
      }
      passes.startLoop();
      log.info('scheduler started');
    },
    async stop() {
      if (!started) return;
      stopping = true;
      await passes.stopLoop();
      await passes.settled();
      await runs.drain(opt.stopTimeoutMs);
      // Unfinished claims become available to the next instance at once.
      await releaseClaims(store, instanceId, clock.now());
      started = false;
      log.info('scheduler stopped');
    },
    async tick() {
      const report = await passes.pass();
      await runs.idle();
      return report;
    },
    idle: () => runs.idle(),
    get: (id) => getJob(store, id),
    async list(filter) {
      if (filter.ownerUserId === undefined && filter.chatId === undefined)
        throw new Error('list needs an owner or a chat');
      const reads = await listJobs(store, filter);
      for (const r of reads) if ('error' in r) log.warn({ jobId: r.id, err: r.error }, 'skipping unreadable job');
      return reads.flatMap((r) => ('job' in r ? [r.job] : []));
    },
    create: (input) => createJob(ctx, input),
    async update(id, patch) {
      const job = await mustGet(ctx, id);
      const now = clock.now();
      const text = patch.text !== undefined ? checkText(patch.text, job.kind) : undefined;
      const checked = text !== undefined ? { ...patch, text } : patch;
      const { change, notes } = planUpdate(job, checked, now, opt.minIntervalMs[job.kind]);
      await applyJobChange(store, id, change, now);
      wake();
      const updated = await mustGet(ctx, id);
      await cards.refresh(updated);
      const next = updated.enabled ? upcomingRuns(updated, clock.now(), 3) : [];
      return { job: updated, nextRuns: next, summary: createdSummary(updated, next, notes, now) };
    },
    async pause(id, reason) {
      await mustGet(ctx, id);
      await pauseJob(store, id, reason ?? PAUSE_REASONS.byUser, clock.now());
      return mustGet(ctx, id);
    },
    async resume(id) {
      return (await scheduler.update(id, { enabled: true })).job;
    },
    async delete(id) {
      const removed = await deleteJobForGood(store, id);
      if (removed) log.info({ jobId: id }, 'job deleted');
      return removed;
    },
    async remove(id, options = {}) {
      const token = deps.newId();
      if (!(await markDeleted(store, id, token, clock.now()))) return undefined;
      const job = await getJob(store, id);
      if (!job) return undefined;
      log.info({ jobId: id }, 'job deleted (can be undone)');
      await cards.refresh(job, options.except);
      return { job, token };
    },
    async restore(token, options = {}) {
      const now = clock.now();
      const job = await deletedByToken(store, token);
      if (!job || job.deletedAt === null || !canUndo(job.deletedAt, now, opt.undoWindowMs))
        return { ok: false, reason: 'too_late' };
      const next =
        job.schedule.type === 'once'
          ? job.completedAt === null
            ? job.schedule.at
            : null
          : nextRunAfter(job.schedule, now);
      if (!(await markRestored(store, job.id, token, next, now))) return { ok: false, reason: 'too_late' };
      wake();
      let restored = await mustGet(ctx, job.id);
      log.info({ jobId: job.id, nextRunAt: next }, 'job restored (undo)');
      await cards.refresh(restored, options.except ?? options.card?.messageId);
      if (options.card) {
        // The message with the Undo button becomes the job's card (the caller draws it).
        await recordCards(store, job.chatId, options.card.messageId, [job.id], options.card.solo);
        restored = await mustGet(ctx, job.id);
      }
      return { ok: true, job: restored };
    },
    async findDeleted(token) {
      const job = await deletedByToken(store, token);
      return job?.deletedAt != null && canUndo(job.deletedAt, clock.now(), opt.undoWindowMs) ? job : undefined;
    },
    awaitNewTime: (id, userId) => beginTimeEdit(store, id, userId, clock.now()),
    awaitingNewTime: (chatId, userId) => pendingTimeEdit(store, chatId, userId, clock.now()),
    stopAwaitingNewTime: (id) => endTimeEdit(store, id),
    purgeDeleted: () => purgeDeleted(store, clock.now() - opt.undoWindowMs),
    async runNow(id) {
      const job = await mustGet(ctx, id);
      let sf = clock.now();
      const ok = await store.write(async (tx) => {
        for (let i = 0; i < 5; i++, sf++) if (await claimRun(ctx, tx, id, sf, 'manual', clock.now())) return true;
        return false;
      });
      if (!ok) throw new ScheduleError('That job is already running. Try again in a moment.');
      runs.launch({ job, scheduledFor: sf, trigger: 'manual', attempts: 1 });
      return { scheduledFor: sf };
    },
    snooze: (jobId, scheduledFor, choice) => snoozeJob(ctx, jobId, scheduledFor, choice),
    upcoming: (job, n) => upcomingRuns(job, clock.now(), n),
    async migrateChat(fromChatId, toChatId) {
      const moved = await moveChatJobs(store, fromChatId, toChatId, clock.now());
      if (moved > 0) log.info({ fromChatId, toChatId, jobs: moved }, 'jobs moved to the migrated chat');
      return moved;
    },
  };
  return scheduler;
}
