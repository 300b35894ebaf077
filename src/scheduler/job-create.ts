import { jobCardKey } from '../core/keys/dedupe-keys.ts';
import type { Delivery } from '../core/outbox.ts';
import { recordCards } from './cards.ts';
import { assertMinInterval } from './frequency.ts';
import type { Job, JobKind } from './job.ts';
import { countActiveJobs, getJob, insertJob, jobByOrigin, jobIdByRequestKey } from './job-store.ts';
import { cardKeyboard, createdSummary } from './messages.ts';
import { assertTimeZone, nextRuns, resolveWhen, type Schedule, ScheduleError, snoozeTarget } from './schedule.ts';
import type { CreatedJob, CreateJobInput } from './scheduler-api.ts';
import { chatRefOf, ownerLocale, type SchedulerContext, zoneOf } from './scheduler-context.ts';

const MAX_TEXT = 2000;

/** A job that is not deleted, or a clear error. */
export async function mustGet(ctx: SchedulerContext, id: string): Promise<Job> {
  const job = await getJob(ctx.store, id);
  if (!job || job.deletedAt !== null)
    throw new ScheduleError("I can't find that job — it may have been deleted. Use /jobs to see your jobs.", {
      key: 'jobNotFound',
    });
  return job;
}

/** Next runs of a job after now. */
export function upcomingRuns(job: Job, now: number, n: number): number[] {
  if (job.schedule.type === 'once') return job.schedule.at > now ? [job.schedule.at] : [];
  return nextRuns(job.schedule, now, n);
}

/** The trimmed job text, or a clear error when it is empty or too long. */
export function checkText(text: string, kind: JobKind): string {
  const t = text.trim();
  if (!t)
    throw new ScheduleError(kind === 'reminder' ? 'The reminder needs a text.' : 'The scheduled task needs a prompt.');
  if (t.length > MAX_TEXT)
    throw new ScheduleError(`That text is too long (${t.length} characters); keep it under ${MAX_TEXT}.`);
  return t;
}

/** The time zone a job gets: the override (validated), else the group's or the person's. */
export async function resolveTimezone(
  ctx: SchedulerContext,
  userId: number,
  chatId: number,
  override?: string,
): Promise<string> {
  const tz = override ?? (await zoneOf(ctx.deps, userId, chatId));
  assertTimeZone(tz);
  return tz;
}

/** A replayed create (crash before the turn finished): reports the job it already created, posts nothing new. */
async function replayed(ctx: SchedulerContext, id: string, now: number): Promise<CreatedJob> {
  const job = await mustGet(ctx, id);
  const runs = upcomingRuns(job, ctx.clock.now(), 3);
  const summary = createdSummary(job, runs, [], now);
  ctx.log.info({ jobId: job.id }, 'job create replayed; returning the existing job');
  const firstRun = job.nextRunAt ?? runs[0] ?? now;
  return {
    job,
    resolved: { schedule: job.schedule, firstRun, timezone: job.timezone, description: summary, notes: [] },
    nextRuns: runs,
    summary,
  };
}

/** Creates a job (see `Scheduler.create`). */
export async function createJob(ctx: SchedulerContext, input: CreateJobInput): Promise<CreatedJob> {
  const { store, opt } = ctx;
  const now = ctx.clock.now();
  const routine = input.routine ? await resolveRoutine(ctx, input) : undefined;
  if (routine) input = { ...input, kind: 'prompt', text: routine.label };
  const text = checkText(input.text, input.kind);
  const timezone = await resolveTimezone(ctx, input.ownerUserId, input.chat.chatId, input.timezone);
  const earlier = input.requestKey ? await jobIdByRequestKey(store, input.requestKey) : undefined;
  if (earlier) return replayed(ctx, earlier, now);
  const resolved = resolveWhen(input.when, now, timezone);
  assertMinInterval(resolved.schedule, input.kind, opt.minIntervalMs[input.kind], now);
  const graceMs =
    input.graceMinutes !== undefined ? Math.max(0, Math.round(input.graceMinutes)) * 60_000 : opt.defaultGraceMs;
  // Count and insert in one write transaction, so parallel creates cannot all pass the check.
  const id = await store.write(async (tx) => {
    // The same call twice at once: the second one gets the first one's job.
    const same = input.requestKey ? await jobIdByRequestKey(tx, input.requestKey) : undefined;
    if (same) return same;
    if ((await countActiveJobs(tx, input.ownerUserId)) >= opt.maxJobsPerUser) {
      throw new ScheduleError(
        `You already have ${opt.maxJobsPerUser} scheduled jobs, the maximum. Delete some in /jobs first.`,
        { key: 'tooManyJobs', max: opt.maxJobsPerUser },
      );
    }
    const newId = ctx.deps.newId();
    await insertJob(tx, {
      id: newId,
      ownerUserId: input.ownerUserId,
      chatId: input.chat.chatId,
      ...(input.chat.topicId !== undefined ? { topicId: input.chat.topicId } : {}),
      chatType: input.chat.type,
      kind: input.kind,
      text,
      schedule: resolved.schedule,
      timezone,
      nextRunAt: resolved.firstRun,
      missedPolicy: input.missedPolicy ?? 'run_once_within_grace',
      graceMs,
      ...(input.requestKey ? { requestKey: input.requestKey } : {}),
      ...(routine ? { target: routine.target } : {}),
      now,
    });
    return newId;
  });
  ctx.wake();
  const job = await mustGet(ctx, id);
  const runs = upcomingRuns(job, ctx.clock.now(), 3);
  const summary = createdSummary(job, runs, resolved.notes, now);
  const card = input.announce !== false ? await announce(ctx, job, runs, resolved.notes, now) : undefined;
  ctx.log.info({ jobId: id, kind: job.kind, nextRunAt: job.nextRunAt, timezone }, 'job created');
  return { job, resolved, nextRuns: runs, summary, ...(card ? { card } : {}) };
}

/** The skill or workflow a new job names, checked by the routines; a clear error naming what exists when unknown. */
async function resolveRoutine(ctx: SchedulerContext, input: CreateJobInput) {
  const ref = input.routine ?? {};
  if ((ref.skill === undefined) === (ref.workflow === undefined))
    throw new ScheduleError('Name either a skill or a workflow for the job, not both.');
  if (!ctx.deps.routines) throw new ScheduleError('Skills and workflows cannot be scheduled here.');
  const resolved = await ctx.deps.routines.resolve({
    userId: input.ownerUserId,
    chatId: input.chat.chatId,
    ...(ref.skill !== undefined ? { skill: ref.skill } : {}),
    ...(ref.workflow !== undefined ? { workflow: ref.workflow, params: ref.params ?? {} } : {}),
  });
  if (!resolved.ok) throw new ScheduleError(resolved.reason);
  return resolved;
}

/** Posts the confirmation card with its "Cancel reminder" button and remembers where it is. */
async function announce(
  ctx: SchedulerContext,
  job: Job,
  runs: number[],
  notes: string[],
  now: number,
): Promise<Delivery> {
  const locale = await ownerLocale(ctx.deps, job.ownerUserId);
  const card = await ctx.outbox.send(chatRefOf(job), {
    text: createdSummary(job, runs, notes, now, locale),
    format: 'plain',
    keyboard: cardKeyboard([job], true, locale),
    dedupeKey: jobCardKey.encode({ kind: 'card', ids: [job.id] }),
  });
  const messageId = card.ok ? card.messageIds.at(-1) : undefined;
  if (messageId !== undefined) await recordCards(ctx.store, job.chatId, messageId, [job.id], true);
  if (!card.ok) ctx.log.warn({ jobId: job.id, reason: card.reason }, 'could not post the confirmation card');
  return card;
}

/** Creates a one-shot reminder after the given occurrence; pressing twice returns the first snooze. */
export async function snoozeJob(
  ctx: SchedulerContext,
  jobId: string,
  scheduledFor: number,
  choice: '10m' | '1h' | 'tm',
): Promise<{ job: Job; at: number; already: boolean }> {
  const origin = `snooze:${jobId}:${scheduledFor}`;
  const existing = await jobByOrigin(ctx.store, origin);
  if (existing) {
    const at = existing.schedule.type === 'once' ? existing.schedule.at : (existing.nextRunAt ?? 0);
    return { job: existing, at, already: true };
  }
  const source = await mustGet(ctx, jobId);
  const now = ctx.clock.now();
  const timezone = await resolveTimezone(ctx, source.ownerUserId, source.chatId).catch(() => source.timezone);
  const at = snoozeTarget(choice, now, scheduledFor, timezone);
  const id = ctx.deps.newId();
  const inserted = await insertJob(ctx.store, {
    ...source,
    id,
    kind: 'reminder',
    target: undefined,
    schedule: { type: 'once', at } satisfies Schedule,
    timezone,
    nextRunAt: at,
    origin,
    now,
  });
  if (!inserted) return snoozeJob(ctx, jobId, scheduledFor, choice);
  ctx.wake();
  return { job: await mustGet(ctx, id), at, already: false };
}
