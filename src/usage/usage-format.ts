import type { Locale } from '../i18n/locale.ts';

/** A cost in USD, readable at any size: `$0`, `$0.00042`, `$0.12`, `$3.40`. */
export function formatUsd(usd: number): string {
  if (usd <= 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(3).replace(/0$/, '')}`;
  if (usd < 0.000001) return '<$0.000001';
  // Two significant digits of a small amount, without exponent notation.
  const digits = Math.min(6, 1 - Math.floor(Math.log10(usd)));
  return `$${usd.toFixed(digits).replace(/0+$/, '')}`;
}

/** A token count with the locale's digit grouping (`12,345` / `12 345`). */
export function formatTokens(n: number, locale: Locale): string {
  return Math.round(n).toLocaleString(locale === 'ru' ? 'ru-RU' : 'en-US');
}

/** Whole percent of `part` in `whole` (floored, so 79.9 % never reads as 80 %). */
export function percentOf(part: number, whole: number): number {
  return whole > 0 ? Math.floor((part / whole) * 100 + 1e-9) : 0;
}
