import type { Locale } from './locale.ts';

/** The Intl tag for a locale's number formats. Dates and times: src/core/zoned-time.ts (one module for zones). */
export function intlTag(locale: Locale): string {
  return locale === 'ru' ? 'ru-RU' : 'en-GB';
}

/** A number with the locale's grouping, e.g. "12,345" / "12 345". */
export function formatNumber(locale: Locale, n: number): string {
  return n.toLocaleString(intlTag(locale));
}
