import { z } from 'zod';
import { LOCALES, type Locale, pickLocale } from '../i18n/locale.ts';

/** A stored /language choice (`users.settings.language`); an unknown value reads as "none" (Auto). */
export const languageChoiceSchema = z.enum(LOCALES).optional().catch(undefined);

/** What /language offers: a fixed language, or `auto` (follow the Telegram app's language). */
export type LanguageChoice = Locale | 'auto';

/** The user's locale: their explicit choice, else their Telegram language, else English. */
export function resolveLocale(choice: Locale | undefined, telegramLanguage: string | null | undefined): Locale {
  return choice ?? pickLocale(telegramLanguage);
}
