import type { Locale } from '../../i18n/locale.ts';
import { pickLocale } from '../../i18n/locale.ts';

/** The language of the user acting on an update: their stored choice when known, else their Telegram app's. */
export async function actingLocale(
  localeOf: ((userId: number) => Promise<Locale>) | undefined,
  from: { id: number; language_code?: string } | undefined,
): Promise<Locale> {
  if (!from) return 'en';
  if (!localeOf) return pickLocale(from.language_code);
  return localeOf(from.id).catch(() => pickLocale(from.language_code));
}
