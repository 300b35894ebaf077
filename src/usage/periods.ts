import { addDays, wallTimeOf, wallToInstant } from '../core/zoned-time.ts';

/** Today and this month in a user's time zone: keys (`2026-12-03`, `2026-12`) and their bounds (epoch ms). */
export interface Periods {
  dayKey: string;
  monthKey: string;
  dayStart: number;
  dayEnd: number;
  monthStart: number;
  monthEnd: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const MIDNIGHT = { hour: 0, minute: 0 };

/** The day and month that contain `now` in `timeZone` (midnight to midnight, DST-safe). */
export function periodsAt(now: number, timeZone: string): Periods {
  const w = wallTimeOf(now, timeZone);
  const today = { year: w.year, month: w.month, day: w.day };
  return {
    dayKey: `${w.year}-${pad(w.month)}-${pad(w.day)}`,
    monthKey: `${w.year}-${pad(w.month)}`,
    dayStart: wallToInstant(today, MIDNIGHT, timeZone).at,
    dayEnd: wallToInstant(addDays(today, 1), MIDNIGHT, timeZone).at,
    monthStart: wallToInstant({ year: w.year, month: w.month, day: 1 }, MIDNIGHT, timeZone).at,
    // Month 13 is normalized to January of the next year.
    monthEnd: wallToInstant({ year: w.year, month: w.month + 1, day: 1 }, MIDNIGHT, timeZone).at,
  };
}

/** The last `count` days up to today in `timeZone`, oldest first: each day's start and its `MM-DD` label. */
export function lastDays(now: number, timeZone: string, count: number): { start: number; label: string }[] {
  const w = wallTimeOf(now, timeZone);
  const today = { year: w.year, month: w.month, day: w.day };
  const out: { start: number; label: string }[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const d = addDays(today, -i);
    out.push({ start: wallToInstant(d, MIDNIGHT, timeZone).at, label: `${pad(d.day)}.${pad(d.month)}` });
  }
  return out;
}
