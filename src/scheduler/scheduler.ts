import { toError } from '../core/errors.ts';
import { createJobCards } from './cards.ts';
import { claimRun } from './claims.ts';
import { createDuePasses } from './due-pass.ts';
import { beginTimeEdit, endTimeEdit, pendingTimeEdit } from './edits.ts';
import { createRunFiring } from './fire-run.ts';
import { createJob, mustGet, snoozeJob, upcomingRuns } from './job-create.ts';
import { deleteJobForGood, getJob, listJobs, moveChatJobs, pauseJob } from './job-store.ts';
import { findDeletedJob, removeJob, restoreJob } from './job-undo.ts';
import { updateJob } from './job-update.ts';
import { PAUSE_REASONS } from './messages.ts';
import { createRunFinisher } from './run-finish.ts';
import { createRunLauncher, type RunLauncher } from './run-launcher.ts';
import { releaseClaims } from './run-store.ts';
import { ScheduleError } from './schedule.ts';
import type { Scheduler, SchedulerDeps } from './scheduler-api.ts';
import { ownerLocale, resolveOptions, type SchedulerContext } from './scheduler-context.ts';
import { purgeDeleted } from './trash.ts';

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
    update: (id, patch) => updateJob(ctx, id, patch),
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
    remove: (id, options) => removeJob(ctx, id, options),
    restore: (token, options) => restoreJob(ctx, token, options),
    findDeleted: (token) => findDeletedJob(ctx, token),
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
      if (!ok)
        throw new ScheduleError('That job is already running. Try again in a moment.', { key: 'alreadyRunning' });
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
