/** Wall-clock arithmetic in IANA time zones, built on Intl (no extra dependency). */
import { isTimeZone } from '../core/timezone.ts';

/** A local calendar date and time of day, as a person in a time zone reads it. */
export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const partsCache = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

/** True when `tz` is an IANA time zone this runtime knows. */
export const isValidTimeZone = isTimeZone;

/** The local wall time of instant `ms` in `timeZone`. */
export function wallTimeOf(ms: number, timeZone: string): WallTime {
  const parts = partsFormatter(timeZone).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')) % 24,
    minute: Number(get('minute')),
    weekday: WEEKDAYS[get('weekday')] ?? 0,
  };
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (Berlin summer: +7_200_000). Seconds are ignored. */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallTimeOf(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const floored = Math.floor(ms / 60_000) * 60_000;
  return asUtc - floored;
}

/** Result of placing a wall time on the timeline. */
export interface ResolvedWall {
  at: number;
  /** Set when the wall time does not exist (clocks jumped forward): `at` is the first minute after the gap. */
  gap?: { requested: string; resolved: string };
  /** Set when the wall time happens twice (clocks went back): `at` is the earlier one. */
  ambiguous?: boolean;
}

function sameWall(a: WallTime, y: number, mo: number, d: number, h: number, mi: number): boolean {
  return a.year === y && a.month === mo && a.day === d && a.hour === h && a.minute === mi;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The instant at which the wall clock in `timeZone` shows the given local date and time.
 * Ambiguous times (autumn fall-back) resolve to the earlier instant; nonexistent times (spring gap)
 * resolve forward to the moment the clocks jump, the same rule croner applies to recurring jobs.
 * Month/day overflow is normalized (day 32 → next month).
 */
export function wallToInstant(
  date: { year: number; month: number; day: number },
  time: { hour: number; minute: number },
  timeZone: string,
): ResolvedWall {
  const norm = new Date(Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute));
  const y = norm.getUTCFullYear();
  const mo = norm.getUTCMonth() + 1;
  const d = norm.getUTCDate();
  const h = norm.getUTCHours();
  const mi = norm.getUTCMinutes();
  const guess = norm.getTime();
  const candidates = new Set<number>();
  for (const probe of [guess - 14 * 3_600_000, guess, guess + 14 * 3_600_000]) {
    candidates.add(guess - offsetAt(probe, timeZone));
  }
  const matches = [...candidates]
    .filter((t) => sameWall(wallTimeOf(t, timeZone), y, mo, d, h, mi))
    .sort((a, b) => a - b);
  if (matches.length > 0) {
    return matches.length > 1 ? { at: matches[0]!, ambiguous: true } : { at: matches[0]! };
  }
  // In a gap: find the transition instant between the two candidate readings.
  const sorted = [...candidates].sort((a, b) => a - b);
  let lo = sorted[0]!;
  let hi = sorted[sorted.length - 1]!;
  const offLo = offsetAt(lo, timeZone);
  while (hi - lo > 60_000) {
    const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
    if (offsetAt(mid, timeZone) === offLo) lo = mid;
    else hi = mid;
  }
  const w = wallTimeOf(hi, timeZone);
  return {
    at: hi,
    gap: { requested: `${pad(h)}:${pad(mi)}`, resolved: `${pad(w.hour)}:${pad(w.minute)}` },
  };
}

/** Adds whole days to a calendar date (no time zone involved). */
export function addDays(date: { year: number; month: number; day: number }, days: number) {
  const t = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Weekday (0 = Sunday) of a calendar date. */
export function weekdayOf(date: { year: number; month: number; day: number }): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

const longFormatters = new Map<string, Intl.DateTimeFormat>();

/** "Tue 14 Oct, 09:00" (adds the year when it differs from `now`'s year in that zone). */
export function formatLocal(ms: number, timeZone: string, now?: number): string {
  const w = wallTimeOf(ms, timeZone);
  const withYear = now !== undefined && wallTimeOf(now, timeZone).year !== w.year;
  const key = `${timeZone}|${withYear}`;
  let f = longFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      ...(withYear ? { year: 'numeric' } : {}),
    });
    longFormatters.set(key, f);
  }
  return `${f.format(new Date(ms)).replace(/,/g, '')}, ${pad(w.hour)}:${pad(w.minute)}`;
}

/** "14:05" in that zone. */
export function formatClock(ms: number, timeZone: string): string {
  const w = wallTimeOf(ms, timeZone);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** "in 2 h 13 min", "in 45 s", "in 3 days". */
export function formatIn(deltaMs: number): string {
  const s = Math.max(0, Math.round(deltaMs / 1000));
  if (s < 60) return `in ${s} s`;
  const totalMin = Math.round(s / 60);
  if (totalMin < 60) return `in ${totalMin} min`;
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h < 48) return m ? `in ${h} h ${m} min` : `in ${h} h`;
  const days = Math.round(h / 24);
  return `in ${days} days`;
}
