import type { Api } from 'grammy';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { LOCALES, type Locale } from '../i18n/locale.ts';
import { botProfileTexts } from './bot-profile-texts.ts';
import { type CommandSpec, commandsFor } from './command-menu.ts';
import { localizeCommands } from './command-texts.ts';

/** Shown in an empty chat with the bot, above the Start button (Telegram allows 512 characters). */
export const BOT_DESCRIPTION = botProfileTexts('en').description;

/** Shown on the bot's profile and when it is shared (Telegram allows 120 characters). */
export const BOT_SHORT_DESCRIPTION = botProfileTexts('en').shortDescription;

/** English is the default (no language_code); every other locale is set for its own language_code. */
const languageCodeOf = (locale: Locale) => (locale === 'en' ? {} : { language_code: locale });

/**
 * Sets the description and short description of every language unless Telegram already has exactly these texts
 * (one get per text, a set only when it differs). Failures are logged: the bot works without them.
 */
export async function ensureBotDescriptions(api: Api, log: Logger): Promise<void> {
  // Every language and text at once (start-up awaits them once polling has begun).
  await Promise.all(
    LOCALES.flatMap((locale) => {
      const texts = botProfileTexts(locale);
      const lang = languageCodeOf(locale);
      return [
        (async () => {
          try {
            const current = await api.getMyDescription(lang);
            if (current.description !== texts.description) {
              await api.setMyDescription(texts.description, lang);
              log.info({ locale }, 'bot description set');
            }
          } catch (err) {
            log.warn(
              { err: toError(err), locale },
              'could not set the bot description; the empty chat may not explain the bot',
            );
          }
        })(),
        (async () => {
          try {
            const current = await api.getMyShortDescription(lang);
            if (current.short_description !== texts.shortDescription) {
              await api.setMyShortDescription(texts.shortDescription, lang);
              log.info({ locale }, 'bot short description set');
            }
          } catch (err) {
            log.warn({ err: toError(err), locale }, 'could not set the bot short description');
          }
        })(),
      ];
    }),
  );
}

/**
 * Registers the command menus of every language: every command in private chats (and as the default), and only
 * what works there in groups. A failure is logged: commands still work when typed, the menu may be stale.
 */
export async function registerCommandMenus(api: Api, all: CommandSpec[], log: Logger): Promise<void> {
  const calls = LOCALES.flatMap((locale) => {
    const mine = localizeCommands(commandsFor(all, 'private'), locale);
    const groups = localizeCommands(commandsFor(all, 'group'), locale);
    const menus: [CommandSpec[], { type: 'default' | 'all_private_chats' | 'all_group_chats' }][] = [
      [mine, { type: 'default' }],
      [mine, { type: 'all_private_chats' }],
      [groups, { type: 'all_group_chats' }],
    ];
    return menus.map(async ([commands, scope]) => {
      try {
        await api.setMyCommands(commands, { scope, ...languageCodeOf(locale) });
      } catch (err) {
        log.warn(
          { err: toError(err), scope: scope.type, locale },
          'setMyCommands failed; commands still work, the menu may be stale',
        );
      }
    });
  });
  await Promise.all(calls);
}
