/** The languages the bot's own texts come in. English is the fallback. */
export const LOCALES = ['en', 'ru'] as const;

/** One of {@link LOCALES}. */
export type Locale = (typeof LOCALES)[number];

/** The fallback language: used when the user's language is unknown or not one of ours. */
export const DEFAULT_LOCALE: Locale = 'en';

/** Whether `value` is one of our locales (e.g. a stored /language choice). */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Our locale for a Telegram `language_code` (an IETF tag such as `ru` or `ru-RU`); anything else is English. */
export function pickLocale(code: string | undefined | null): Locale {
  const primary = (code ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return isLocale(primary) ? primary : DEFAULT_LOCALE;
}

/** A language's own name, as shown on the /language buttons. */
export function localeName(locale: Locale): string {
  return locale === 'ru' ? 'Русский' : 'English';
}
