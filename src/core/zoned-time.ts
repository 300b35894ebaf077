/**
 * Time zones and local date/time formatting, in one place, built on Intl (no extra dependency): wall-clock arithmetic
 * in IANA zones for the scheduler, and the formatters every feature uses. Formatters take an optional `locale`
 * ('en' by default) so dates and times can be shown in Russian.
 */

/** The languages dates are formatted in (the same codes as src/i18n's `Locale`; src/core imports no other module). */
export type DateLocale = 'en' | 'ru';

/** Zones every ECMA-402 runtime supports, with or without the IANA database. */
const ALWAYS_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
let canonicalZones: Set<string> | undefined;

/** True when `timeZone` is an IANA time zone name this runtime knows (e.g. `Europe/Berlin`). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone || typeof timeZone !== 'string') return false;
  // The list and the constants answer most names without a formatter, whose first use loads ~8 MB of ICU data: an
  // idle bot (config validated, nothing formatted yet) stays that much smaller. Aliases (e.g. Asia/Kolkata on some
  // ICU versions) still go through the formatter.
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (ALWAYS_ZONES.has(timeZone) || canonicalZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone itself when valid, else UTC. */
export function safeZone(timeZone: string): string {
  return isTimeZone(timeZone) ? timeZone : 'UTC';
}

const formatterCache = new Map<string, Intl.DateTimeFormat>();

/** A cached Intl formatter (building one is slow). */
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formatterCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formatterCache.set(key, f);
  }
  return f;
}

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

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  return formatter('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  });
}

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

/** "Tue 14 Oct, 09:00" (adds the year when it differs from `now`'s year in that zone); Russian "вт 14 окт., 09:00". */
export function formatLocal(ms: number, timeZone: string, now?: number, locale: DateLocale = 'en'): string {
  const w = wallTimeOf(ms, timeZone);
  const withYear = now !== undefined && wallTimeOf(now, timeZone).year !== w.year;
  const f = formatter(locale === 'ru' ? 'ru' : 'en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
  });
  return `${f.format(new Date(ms)).replace(/,/g, '')}, ${pad(w.hour)}:${pad(w.minute)}`;
}

/** "14:05" in that zone. */
export function formatClock(ms: number, timeZone: string): string {
  const w = wallTimeOf(ms, timeZone);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** "in 2 h 13 min", "in 45 s", "in 3 days"; Russian "через 2 ч 13 мин". */
export function formatIn(deltaMs: number, locale: DateLocale = 'en'): string {
  const u =
    locale === 'ru'
      ? { in: 'через', s: 'с', min: 'мин', h: 'ч', days: 'дн.' }
      : { in: 'in', s: 's', min: 'min', h: 'h', days: 'days' };
  const s = Math.max(0, Math.round(deltaMs / 1000));
  if (s < 60) return `${u.in} ${s} ${u.s}`;
  const totalMin = Math.round(s / 60);
  if (totalMin < 60) return `${u.in} ${totalMin} ${u.min}`;
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h < 48) return m ? `${u.in} ${h} ${u.h} ${m} ${u.min}` : `${u.in} ${h} ${u.h}`;
  return `${u.in} ${Math.round(h / 24)} ${u.days}`;
}

/** "3 Mar" (or "3 Mar 2026" with `year`) in that zone; an unknown zone reads as UTC. */
export function formatDayMonth(ms: number, timeZone: string, options: { year?: boolean; locale?: DateLocale } = {}) {
  return formatter(options.locale === 'ru' ? 'ru' : 'en-GB', {
    timeZone: safeZone(timeZone),
    day: 'numeric',
    month: 'short',
    ...(options.year ? { year: 'numeric' } : {}),
  }).format(ms);
}

/** "14:05" when `at` is on `now`'s local day, else "3 Mar 14:05"; an unknown zone reads as UTC. */
export function formatTimeOrDate(at: number, timeZone: string, now: number, locale: DateLocale = 'en'): string {
  const tz = safeZone(timeZone);
  const day = (t: number) => formatter('en-CA', { timeZone: tz, dateStyle: 'short' }).format(t);
  const time = formatter('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
  if (day(at) === day(now)) return time;
  return `${formatDayMonth(at, tz, { locale })} ${time}`;
}

/** "Tue 14:05": weekday and time in that zone. */
export function formatWeekdayTime(ms: number, timeZone: string, locale: DateLocale = 'en'): string {
  return formatter(locale === 'ru' ? 'ru' : 'en-GB', {
    timeZone: safeZone(timeZone),
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(ms);
}

/** ISO 8601 local time with offset, e.g. 2026-02-17T11:00:00+01:00. */
export function localIso(ms: number, timeZone: string): string {
  const f = formatter('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  const offsetMin = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Local wall-clock parts of an instant in a zone (for the model, in English). */
export function zonedParts(ms: number, timeZone: string): { local: string; offset: string; weekday: string } {
  const parts = formatter('en-GB', {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    local: `${get('weekday')}, ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')}`,
    offset: get('timeZoneName').replace(/^GMT$/, 'UTC').replace(/^GMT/, 'UTC'),
    weekday: get('weekday'),
  };
}

/** The one "current time" line each turn puts into the system instruction. Falls back to UTC for a bad zone. */
export function describeNow(ms: number, timeZone: string): string {
  const zone = safeZone(timeZone);
  const { local, offset } = zonedParts(ms, zone);
  return `Current date and time for the user: ${local} (${zone === 'UTC' ? 'UTC' : `${zone}, ${offset}`}).`;
}
