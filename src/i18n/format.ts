import type { Locale } from './locale.ts';

/** The Intl tag for a locale's date and number formats (British English: day before month, 24-hour clock). */
export function intlTag(locale: Locale): string {
  return locale === 'ru' ? 'ru-RU' : 'en-GB';
}

const cache = new Map<string, Intl.DateTimeFormat>();

/**
 * A date/time formatter for `locale` in time zone `zone` (cached; an unknown zone falls back to UTC).
 * `options` are Intl.DateTimeFormat options without `timeZone`.
 */
export function dateTimeFormat(
  locale: Locale,
  zone: string,
  options: Omit<Intl.DateTimeFormatOptions, 'timeZone'>,
): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(intlTag(locale), { ...options, timeZone: zone });
    } catch {
      f = new Intl.DateTimeFormat(intlTag(locale), { ...options, timeZone: 'UTC' });
    }
    cache.set(key, f);
  }
  return f;
}

/** `at` (epoch ms) as a short date and time in `zone`, e.g. "3 Dec, 14:05" / "3 дек., 14:05". */
export function formatDateTime(locale: Locale, at: number, zone: string): string {
  return dateTimeFormat(locale, zone, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(
    at,
  );
}

/** A number with the locale's grouping, e.g. "12,345" / "12 345". */
export function formatNumber(locale: Locale, n: number): string {
  return n.toLocaleString(intlTag(locale));
}
