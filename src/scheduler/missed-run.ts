import type { Job } from './job.ts';
import { cronFor, nextRunAfter, type Schedule } from './schedule.ts';

/** How a claimed occurrence was triggered. */
export type RunTrigger = 'schedule' | 'late' | 'manual' | 'missed_notice';

/** What a due job does now: run one occurrence, record a skipped one, and where its schedule goes next. */
export interface DueDecision {
  run?: { scheduledFor: number; trigger: RunTrigger; missedCount?: number };
  record?: { scheduledFor: number; status: 'skipped'; error: string };
  /** The job's next run after this pass; null when it is done. */
  next: number | null;
}

/** Occurrences of `schedule` in [from, to], counted up to `cap`. */
export function countBetween(schedule: Schedule, from: number, to: number, cap = 100): number {
  if (schedule.type === 'once') return from <= to ? 1 : 0;
  const c = cronFor(schedule.expression, schedule.timezone);
  let n = 0;
  let t: number | null = from;
  while (t !== null && t <= to && n < cap) {
    n++;
    t = c.nextRun(new Date(t))?.getTime() ?? null;
  }
  return n;
}

/** The latest occurrence in [max(first, now - grace), now], or null. Bounded by the grace window. */
export function latestWithinGrace(schedule: Schedule, first: number, now: number, graceMs: number): number | null {
  const floor = Math.max(first, now - graceMs);
  if (schedule.type === 'once') return schedule.at >= floor && schedule.at <= now ? schedule.at : null;
  const c = cronFor(schedule.expression, schedule.timezone);
  let t = c.nextRun(new Date(floor - 1))?.getTime() ?? null;
  if (t === null || t > now) return null;
  for (let i = 0; i < 10_000; i++) {
    const n: number | null = c.nextRun(new Date(t))?.getTime() ?? null;
    if (n === null || n > now) break;
    t = n;
  }
  return t;
}

/**
 * Decides what a due job (`nextRunAt <= now`) does. Up to `onTimeMs` late it simply runs; later than that, its
 * missed policy applies: `skip` records a skip, `notify` posts a notice, `run_once_within_grace` runs the latest
 * occurrence inside the grace window (recording the earlier ones as skipped) or skips when none is inside.
 */
export function decideDue(job: Job, now: number, onTimeMs: number): DueDecision {
  const due = job.nextRunAt as number;
  if (now - due <= onTimeMs) {
    return { run: { scheduledFor: due, trigger: 'schedule' }, next: nextRunAfter(job.schedule, due) };
  }
  const next = nextRunAfter(job.schedule, now);
  const missed = countBetween(job.schedule, due, now);
  const missedText = `${missed >= 100 ? '100+' : missed} missed while offline`;
  if (job.missedPolicy === 'skip') {
    return { record: { scheduledFor: due, status: 'skipped', error: missedText }, next };
  }
  if (job.missedPolicy === 'notify') {
    return { run: { scheduledFor: due, trigger: 'missed_notice', missedCount: missed }, next };
  }
  const latest = latestWithinGrace(job.schedule, due, now, job.graceMs);
  if (latest === null) {
    return { record: { scheduledFor: due, status: 'skipped', error: `${missedText}, outside the grace window` }, next };
  }
  const earlier =
    latest !== due
      ? { scheduledFor: due, status: 'skipped' as const, error: `${missed - 1} earlier occurrence(s) skipped` }
      : undefined;
  return { run: { scheduledFor: latest, trigger: 'late' }, ...(earlier ? { record: earlier } : {}), next };
}
