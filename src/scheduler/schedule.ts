import { Cron } from 'croner';
import cron from 'node-cron';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { addDays, formatClock, formatLocal, isTimeZone, wallTimeOf, wallToInstant } from '../core/zoned-time.ts';
import type { ScheduleErrorText } from './schedule-error-texts.ts';

/** A stored schedule (the `jobs.schedule` JSON column). Cron schedules are wall-clock in their time zone. */
export const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('once'), at: z.number().int() }),
  z.object({
    type: z.literal('cron'),
    expression: z.string().min(1),
    timezone: z.string().min(1),
    /** Human form, e.g. "every weekday at 08:00". */
    description: z.string().optional(),
  }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const EVERY = ['day', 'weekday', 'weekend', ...DAY_NAMES] as const;

/**
 * When something should happen, as the model states the user's words. The server turns this into instants;
 * the model never computes timestamps. Use exactly one form:
 * `in` (relative), `time` with optional `date` (local date-time), `every` + `at` (simple recurrence), or `cron`.
 */
export const whenSchema = z
  .object({
    in: z
      .object({
        minutes: z.number().int().min(0).max(525_600).optional(),
        hours: z.number().int().min(0).max(8_760).optional(),
        days: z.number().int().min(0).max(3_650).optional(),
        weeks: z.number().int().min(0).max(520).optional(),
      })
      .optional()
      .describe(
        'Relative: "in 20 minutes" → {"minutes":20}. Minutes/hours are exact; days/weeks keep the time of day.',
      ),
    date: z
      .string()
      .trim()
      .optional()
      .describe(
        'Local date for a one-time event: "YYYY-MM-DD", "today", "tomorrow" or a weekday name ("friday"). Default today.',
      ),
    time: z.string().trim().optional().describe('Local time "HH:MM" (24 h) for a one-time event, with optional date.'),
    every: z
      .enum(EVERY)
      .optional()
      .describe('Recurring: "day", "weekday" (Mon-Fri), "weekend", or a weekday name; requires "at".'),
    at: z.string().trim().optional().describe('Local time "HH:MM" (24 h) for "every".'),
    cron: z
      .string()
      .trim()
      .optional()
      .describe('Recurring, advanced: a 5-field cron expression in the user\'s local time, e.g. "0 8 * * 1-5".'),
  })
  .describe('When. Give exactly one of: in | time (+date) | every + at | cron.');
export type When = z.infer<typeof whenSchema>;

/** A rejected intent: `message` is shown to the model/user and says what to do instead. */
export class ScheduleError extends AppError {
  /** The words a person reads for it in their language (buttons, typed times); without it, `message`. */
  readonly userText: ScheduleErrorText | undefined;
  constructor(message: string, userText?: ScheduleErrorText) {
    super('invalid_input', message);
    this.name = 'ScheduleError';
    this.userText = userText;
  }
}

function parseHHMM(value: string, field: string): { hour: number; minute: number } {
  const m = HHMM.exec(value);
  if (!m) throw new ScheduleError(`"${value}" is not a valid ${field}: use 24-hour "HH:MM", for example "09:30".`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

const FIELD_NAMES: Record<string, string> = {
  minute: 'minute',
  hour: 'hour',
  dayOfMonth: 'day of month',
  month: 'month',
  dayOfWeek: 'weekday',
  second: 'second',
};

/** Validates a time zone name; the message says how to fix it. */
export function assertTimeZone(tz: string): void {
  if (!isTimeZone(tz)) {
    throw new ScheduleError(
      `"${tz}" is not a time zone I know. Use an IANA name such as Europe/Berlin, America/New_York or Asia/Kolkata.`,
    );
  }
}

/** Creates a paused croner instance for computing runs (never fires by itself). */
export function cronFor(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, paused: true });
}

/**
 * Checks a 5-field cron expression: node-cron's validator gives field-level messages,
 * croner (which computes the runs) must accept it too, and it must fire at least once.
 */
export function validateCron(expression: string, timezone: string): void {
  const expr = expression.trim();
  const fields = expr.split(/\s+/);
  if (fields.length !== 5) {
    throw new ScheduleError(
      `"${expr}" is not a valid schedule: a cron expression needs 5 fields (minute hour day-of-month month day-of-week), for example "0 8 * * 1-5" for 08:00 on weekdays.`,
    );
  }
  let c: Cron;
  try {
    c = cronFor(expr, timezone);
  } catch (err) {
    // node-cron names the offending field; croner's message is the fallback.
    const detailed = cron.validateDetailed(expr);
    const why = detailed.valid
      ? (err as Error).message.replace(/^CronPattern: /, '')
      : `bad ${detailed.errors.map((e) => `${FIELD_NAMES[e.field] ?? e.field} "${e.value}"`).join(', ')}`;
    throw new ScheduleError(
      `"${expr}" is not a valid cron expression (${why}). Fields are minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6; example "0 8 * * 1-5".`,
    );
  }
  if (!c.nextRun()) throw new ScheduleError(`"${expr}" never fires (no such date). Check the day and month fields.`);
}

/** The first run strictly after `after`, or null when the schedule is over. */
export function nextRunAfter(schedule: Schedule, after: number): number | null {
  if (schedule.type === 'once') return schedule.at > after ? schedule.at : null;
  const next = cronFor(schedule.expression, schedule.timezone).nextRun(new Date(after));
  return next ? next.getTime() : null;
}

/** Up to `n` runs strictly after `after`. */
export function nextRuns(schedule: Schedule, after: number, n: number): number[] {
  if (schedule.type === 'once') return schedule.at > after ? [schedule.at] : [];
  return cronFor(schedule.expression, schedule.timezone)
    .nextRuns(n, new Date(after))
    .map((d) => d.getTime());
}

/** The result of resolving a `When`: a stored schedule, its first run and notes for the user. */
export interface ResolvedSchedule {
  schedule: Schedule;
  firstRun: number;
  timezone: string;
  /** Human description: "Tue 14 Oct, 09:00" or "every weekday at 08:00". */
  description: string;
  notes: string[];
}

function parseDate(value: string, now: number, tz: string, time: { hour: number; minute: number }) {
  const today = wallTimeOf(now, tz);
  const base = { year: today.year, month: today.month, day: today.day };
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'today') return { date: base, explicit: v === 'today' };
  if (v === 'tomorrow') return { date: addDays(base, 1), explicit: true };
  const dayIndex = DAY_NAMES.indexOf(v as (typeof DAY_NAMES)[number]);
  if (dayIndex >= 0) {
    let delta = (dayIndex - today.weekday + 7) % 7;
    if (delta === 0) {
      const todayAt = wallToInstant(base, time, tz).at;
      if (todayAt <= now) delta = 7;
    }
    return { date: addDays(base, delta), explicit: true };
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) {
    throw new ScheduleError(
      `"${value}" is not a date I understand: use "YYYY-MM-DD", "today", "tomorrow" or a weekday name.`,
    );
  }
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCMonth() + 1 !== date.month || check.getUTCDate() !== date.day) {
    throw new ScheduleError(`${value} is not a real date. Check the day and month.`, { key: 'notRealDate', value });
  }
  return { date, explicit: true };
}

const MAX_AHEAD_MS = 5 * 366 * 86_400_000;

function describeEvery(every: (typeof EVERY)[number], at: string): string {
  if (every === 'day') return `every day at ${at}`;
  if (every === 'weekday') return `every weekday (Mon-Fri) at ${at}`;
  if (every === 'weekend') return `every Saturday and Sunday at ${at}`;
  return `every ${every[0]!.toUpperCase()}${every.slice(1)} at ${at}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Resolves a structured intent in the user's time zone. Throws ScheduleError with a user-facing reason
 * (past time, bad date, invalid cron or time zone, ambiguous form).
 */
export function resolveWhen(when: When, now: number, timezone: string): ResolvedSchedule {
  assertTimeZone(timezone);
  const forms = [
    when.in !== undefined,
    when.time !== undefined || when.date !== undefined,
    when.every !== undefined || when.at !== undefined,
    when.cron !== undefined,
  ].filter(Boolean).length;
  if (forms !== 1) {
    throw new ScheduleError(
      'Give exactly one kind of time: "in" (e.g. {"in":{"minutes":20}}), "time" with optional "date", "every" with "at", or "cron".',
    );
  }
  if (when.in) return resolveIn(when.in, now, timezone);
  if (when.time !== undefined || when.date !== undefined) return resolveAt(when, now, timezone);
  return resolveRecurring(when, now, timezone);
}

function resolveIn(span: NonNullable<When['in']>, now: number, timezone: string): ResolvedSchedule {
  const { minutes = 0, hours = 0, days = 0, weeks = 0 } = span;
  if (minutes + hours + days + weeks <= 0)
    throw new ScheduleError('"in" needs a positive duration, e.g. {"minutes": 20}.');
  let at = now;
  if (days || weeks) {
    // Whole days keep the local time of day across DST changes.
    const w = wallTimeOf(now, timezone);
    const date = addDays(w, days + 7 * weeks);
    const r = wallToInstant(date, { hour: w.hour, minute: w.minute }, timezone);
    at = r.at + (now % 60_000);
  }
  at += (minutes + 60 * hours) * 60_000;
  if (at - now > MAX_AHEAD_MS)
    throw new ScheduleError('That is more than 5 years ahead. Pick a nearer time.', { key: 'tooFarAhead' });
  return {
    schedule: { type: 'once', at },
    firstRun: at,
    timezone,
    description: formatLocal(at, timezone, now),
    notes: [],
  };
}

function resolveAt(when: When, now: number, timezone: string): ResolvedSchedule {
  const notes: string[] = [];
  if (when.time === undefined) throw new ScheduleError('A date needs a "time" too ("HH:MM", 24 h), e.g. "09:00".');
  const time = parseHHMM(when.time, 'time');
  const { date } = parseDate(when.date ?? '', now, timezone, time);
  const r = wallToInstant(date, time, timezone);
  if (r.gap) {
    notes.push(
      `${r.gap.requested} doesn't exist on that day in ${timezone} (clocks jump forward), so I set it for ${r.gap.resolved}.`,
    );
  }
  if (r.at <= now) {
    const nowText = formatClock(now, timezone);
    const today = wallTimeOf(now, timezone);
    const isToday = date.year === today.year && date.month === today.month && date.day === today.day;
    throw new ScheduleError(
      `That time has already passed in ${timezone} (it's ${nowText} there now).` +
        (isToday ? ' Did you mean tomorrow?' : ' Pick a future date.'),
    );
  }
  if (r.at - now > MAX_AHEAD_MS)
    throw new ScheduleError('That is more than 5 years ahead. Pick a nearer date.', { key: 'tooFarAhead' });
  const description = formatLocal(r.at, timezone, now);
  return { schedule: { type: 'once', at: r.at }, firstRun: r.at, timezone, description, notes };
}

function everyExpression(when: When): { expression: string; description: string } {
  if (!when.every) throw new ScheduleError('"at" needs "every" too, e.g. {"every":"day","at":"08:00"}.');
  if (!when.at) throw new ScheduleError('"every" needs "at" ("HH:MM", 24 h), e.g. {"every":"weekday","at":"08:00"}.');
  const t = parseHHMM(when.at, 'time');
  const dow =
    when.every === 'day'
      ? '*'
      : when.every === 'weekday'
        ? '1-5'
        : when.every === 'weekend'
          ? '0,6'
          : String(DAY_NAMES.indexOf(when.every as (typeof DAY_NAMES)[number]));
  return {
    expression: `${t.minute} ${t.hour} * * ${dow}`,
    description: describeEvery(when.every, `${pad(t.hour)}:${pad(t.minute)}`),
  };
}

function resolveRecurring(when: When, now: number, timezone: string): ResolvedSchedule {
  let expression: string;
  let description: string;
  if (when.cron !== undefined) {
    expression = when.cron.trim().replace(/\s+/g, ' ');
    validateCron(expression, timezone);
    description = `cron "${expression}"`;
  } else {
    ({ expression, description } = everyExpression(when));
  }
  const schedule: Schedule = { type: 'cron', expression, timezone, description };
  const first = nextRunAfter(schedule, now);
  if (first === null) throw new ScheduleError(`"${expression}" never fires. Check the day and month fields.`);
  const runs = nextRuns(schedule, now, 2);
  if (runs.length === 2 && runs[1]! - runs[0]! < 60_000) {
    throw new ScheduleError(
      'That repeats more often than once a minute. Use a schedule of at most one run per minute.',
    );
  }
  return { schedule, firstRun: first, timezone, description, notes: [] };
}

/** Human description of a stored schedule. */
export function describeSchedule(schedule: Schedule, now: number, timezone: string): string {
  if (schedule.type === 'once') return `once, ${formatLocal(schedule.at, timezone, now)}`;
  return schedule.description ?? `cron "${schedule.expression}"`;
}

/** Snooze targets: 10 minutes, 1 hour, or tomorrow at the same local time as the reminder. */
export function snoozeTarget(choice: '10m' | '1h' | 'tm', now: number, scheduledFor: number, timezone: string): number {
  if (choice === '10m') return now + 10 * 60_000;
  if (choice === '1h') return now + 60 * 60_000;
  const original = wallTimeOf(scheduledFor, timezone);
  const today = wallTimeOf(now, timezone);
  const date = addDays(today, 1);
  const at = wallToInstant(date, { hour: original.hour, minute: original.minute }, timezone).at;
  return at > now ? at : now + 86_400_000;
}
