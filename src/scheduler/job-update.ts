import { assertMinInterval } from './frequency.ts';
import type { Job } from './job.ts';
import { checkText, mustGet, upcomingRuns } from './job-create.ts';
import { applyJobChange, type JobChange } from './job-store.ts';
import { createdSummary, PAUSE_REASONS } from './messages.ts';
import { assertTimeZone, nextRunAfter, resolveWhen, type Schedule, ScheduleError } from './schedule.ts';
import type { UpdateJobInput } from './scheduler-api.ts';
import type { SchedulerContext } from './scheduler-context.ts';

/** A planned update: the change to store and the notes about the new time. */
export interface UpdatePlan {
  change: JobChange;
  notes: string[];
}

/** The new schedule of an update that changes the time or the time zone. */
function rescheduled(job: Job, patch: UpdateJobInput, now: number) {
  if (patch.timezone !== undefined) assertTimeZone(patch.timezone);
  const timezone = patch.timezone ?? job.timezone;
  if (patch.when !== undefined) {
    const resolved = resolveWhen(patch.when, now, timezone);
    return { schedule: resolved.schedule, timezone, nextRunAt: resolved.firstRun, notes: resolved.notes };
  }
  const schedule: Schedule = job.schedule.type === 'cron' ? { ...job.schedule, timezone } : job.schedule;
  return { schedule, timezone, nextRunAt: nextRunAfter(schedule, now), notes: [] as string[] };
}

/**
 * Plans `Scheduler.update` (pure): validates the patch and says what changes. Giving a completed one-shot a new
 * time enables it again; resuming a job whose time has passed is refused with what to do instead.
 */
export function planUpdate(job: Job, patch: UpdateJobInput, now: number, minIntervalMs: number): UpdatePlan {
  const change: JobChange = {};
  let notes: string[] = [];
  let schedule = job.schedule;
  if (patch.text !== undefined) change.text = patch.text;
  if (patch.missedPolicy !== undefined) change.missedPolicy = patch.missedPolicy;
  let enabled = patch.enabled;
  if (patch.when !== undefined || patch.timezone !== undefined) {
    const r = rescheduled(job, patch, now);
    change.schedule = { schedule: r.schedule, timezone: r.timezone, nextRunAt: r.nextRunAt };
    schedule = r.schedule;
    notes = r.notes;
    if (enabled === undefined && r.nextRunAt !== null && !job.enabled && job.completedAt !== null) enabled = true;
  }
  if (enabled === true) {
    const first = nextRunAfter(schedule, now);
    if (first === null) {
      throw new ScheduleError("That job's time has passed, so it can't be resumed. Give it a new time instead.", {
        key: 'timePassed',
      });
    }
    change.resume = { nextRunAt: first };
  } else if (enabled === false) {
    change.pauseReason = PAUSE_REASONS.byUser;
  }
  if (patch.when !== undefined || enabled === true) assertMinInterval(schedule, job.kind, minIntervalMs, now);
  if (Object.keys(change).length === 0)
    throw new ScheduleError('Nothing to change: give a new text, time, or enabled true/false.');
  return { change, notes };
}

/** Changes a job (see `Scheduler.update`); the summary is English (it goes to the model). */
export async function updateJob(
  ctx: SchedulerContext,
  id: string,
  patch: UpdateJobInput,
): Promise<{ job: Job; nextRuns: number[]; summary: string }> {
  const job = await mustGet(ctx, id);
  const now = ctx.clock.now();
  const text = patch.text !== undefined ? checkText(patch.text, job.kind) : undefined;
  const checked = text !== undefined ? { ...patch, text } : patch;
  const { change, notes } = planUpdate(job, checked, now, ctx.opt.minIntervalMs[job.kind]);
  await applyJobChange(ctx.store, id, change, now);
  ctx.wake();
  const updated = await mustGet(ctx, id);
  await ctx.cards.refresh(updated);
  const next = updated.enabled ? upcomingRuns(updated, ctx.clock.now(), 3) : [];
  return { job: updated, nextRuns: next, summary: createdSummary(updated, next, notes, now) };
}
