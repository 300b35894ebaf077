import { Cron } from 'croner';
import type { JobKind } from './job.ts';
import { type Schedule, ScheduleError } from './schedule.ts';

/** Runs looked at when measuring how often a recurring schedule fires (enough to meet an irregular cron's closest pair). */
export const FREQUENCY_SAMPLES = 100;

/**
 * Shortest allowed gap between two runs of one job. A scheduled prompt asks the model every time, so it may run at
 * most every 15 minutes unless configured otherwise; a reminder is only a post.
 */
export const DEFAULT_MIN_INTERVAL_MS: Readonly<Record<JobKind, number>> = Object.freeze({
  prompt: 15 * 60_000,
  reminder: 60_000,
});

/**
 * The shortest gap between consecutive runs among the next `samples` runs after `after`; null when it runs at most
 * once. Measured on the cron's own clock (a fixed UTC offset), so a DST change, which shortens one day's gap by an
 * hour, doesn't make the answer depend on the date it is asked; a fixed offset is also ~10x faster in croner than a zone.
 */
export function shortestGapMs(schedule: Schedule, after: number, samples = FREQUENCY_SAMPLES): number | null {
  if (schedule.type === 'once') return null;
  const runs = new Cron(schedule.expression, { utcOffset: 0, paused: true }).nextRuns(samples, new Date(after));
  let shortest: number | null = null;
  for (let i = 1; i < runs.length; i++) {
    const gap = (runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime();
    if (shortest === null || gap < shortest) shortest = gap;
  }
  return shortest;
}

const MINUTE_STEPS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12];

/** The most frequent plain cron that keeps at least `minIntervalMs` between runs, with its description. */
export function suggestCron(minIntervalMs: number): { cron: string; description: string } {
  const minutes = MINUTE_STEPS.find((m) => m * 60_000 >= minIntervalMs);
  if (minutes !== undefined)
    return minutes === 1
      ? { cron: '* * * * *', description: 'every minute' }
      : { cron: `*/${minutes} * * * *`, description: `every ${minutes} minutes` };
  const hours = HOUR_STEPS.find((h) => h * 3_600_000 >= minIntervalMs);
  if (hours !== undefined)
    return hours === 1
      ? { cron: '0 * * * *', description: 'every hour' }
      : { cron: `0 */${hours} * * *`, description: `every ${hours} hours` };
  return { cron: '0 9 * * *', description: 'every day at 09:00' };
}

/** "1 minute", "15 minutes", "2 hours", "90 minutes". */
export function formatInterval(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) {
    const h = ms / 3_600_000;
    return `${h} hour${h === 1 ? '' : 's'}`;
  }
  if (ms >= 60_000) {
    const m = Math.round(ms / 60_000);
    return `${m} minute${m === 1 ? '' : 's'}`;
  }
  const s = Math.max(1, Math.round(ms / 1000));
  return `${s} second${s === 1 ? '' : 's'}`;
}

/**
 * Rejects a recurring schedule whose runs come closer together than `minIntervalMs` (checked over the next
 * FREQUENCY_SAMPLES runs, so irregular crons like "0,1 * * * *" are caught too). The message states the minimum and
 * suggests a schedule that fits. One-shots always pass.
 */
export function assertMinInterval(schedule: Schedule, kind: JobKind, minIntervalMs: number, now: number): void {
  if (schedule.type === 'once') return;
  const gap = shortestGapMs(schedule, now);
  if (gap === null || gap >= minIntervalMs) return;
  const what = schedule.description ?? `cron "${schedule.expression}"`;
  const min = formatInterval(minIntervalMs);
  const suggestion = suggestCron(minIntervalMs);
  const subject = kind === 'prompt' ? 'Scheduled prompts' : 'Reminders';
  const because = kind === 'prompt' ? ' (each run asks the AI)' : '';
  const alternative =
    kind === 'prompt' && minIntervalMs > DEFAULT_MIN_INTERVAL_MS.reminder
      ? ', or make it a reminder (posted as-is, no AI) if it only needs to post a text'
      : '';
  throw new ScheduleError(
    `${subject} can run at most every ${min}${because}, but ${what} would run ${formatInterval(gap)} apart. ` +
      `Use a schedule with at least ${min} between runs, for example cron "${suggestion.cron}" (${suggestion.description})${alternative}.`,
  );
}
