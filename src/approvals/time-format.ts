import { formatTimeOrDate } from '../core/zoned-time.ts';
import type { Locale } from '../i18n/locale.ts';

/** Times and durations as the user reads them. */

/** Formats a time for the user: "14:05" today, "3 Mar 14:05" ("3 мар. 14:05") otherwise, in their time zone. */
export function formatTime(at: number, timezone: string, now: number, locale: Locale = 'en'): string {
  return formatTimeOrDate(at, timezone, now, locale);
}

/** "10 minutes", "2 hours", "45 seconds" (English: the model reads it). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? '' : 's'}`;
}
