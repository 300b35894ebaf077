import { type Locale, pickLocale } from '../i18n/locale.ts';
import type { BotContext } from './context.ts';

/**
 * The language of the bot's texts for the user behind this update: what the access gate resolved (their /language
 * choice, else their Telegram language), else the update's own `language_code`, else English.
 */
export function localeOfCtx(ctx: BotContext): Locale {
  return ctx.locale ?? pickLocale(ctx.from?.language_code);
}
