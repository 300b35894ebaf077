import type { Api } from 'grammy';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { type CommandSpec, commandsFor } from './command-menu.ts';

/** Shown in an empty chat with the bot, above the Start button (Telegram allows 512 characters). */
export const BOT_DESCRIPTION =
  "I'm a private personal assistant. I answer questions, look things up on the web, remember what you tell me, set reminders, and read your photos, files and voice messages.\n\nOnly people my owner approves can use me. Tap Start to begin.";

/** Shown on the bot's profile and when it is shared (Telegram allows 120 characters). */
export const BOT_SHORT_DESCRIPTION = 'A private personal assistant: answers, web look-ups, reminders and notes.';

/**
 * Sets the description and short description unless Telegram already has exactly these texts (one get per text,
 * a set only when it differs). Failures are logged: the bot works without them.
 */
export async function ensureBotDescriptions(api: Api, log: Logger): Promise<void> {
  try {
    const current = await api.getMyDescription();
    if (current.description !== BOT_DESCRIPTION) {
      await api.setMyDescription(BOT_DESCRIPTION);
      log.info('bot description set');
    }
  } catch (err) {
    log.warn({ err: toError(err) }, 'could not set the bot description; the empty chat may not explain the bot');
  }
  try {
    const current = await api.getMyShortDescription();
    if (current.short_description !== BOT_SHORT_DESCRIPTION) {
      await api.setMyShortDescription(BOT_SHORT_DESCRIPTION);
      log.info('bot short description set');
    }
  } catch (err) {
    log.warn({ err: toError(err) }, 'could not set the bot short description');
  }
}

/**
 * Registers the command menus: every command in private chats (and as the default), and only what works there in
 * groups. A failure is logged: commands still work when typed, the menu may be stale.
 */
export async function registerCommandMenus(api: Api, all: CommandSpec[], log: Logger): Promise<void> {
  const mine = commandsFor(all, 'private');
  const groups = commandsFor(all, 'group');
  const menus: [CommandSpec[], { type: 'default' | 'all_private_chats' | 'all_group_chats' }][] = [
    [mine, { type: 'default' }],
    [mine, { type: 'all_private_chats' }],
    [groups, { type: 'all_group_chats' }],
  ];
  for (const [commands, scope] of menus) {
    try {
      await api.setMyCommands(commands, { scope });
    } catch (err) {
      log.warn(
        { err: toError(err), scope: scope.type },
        'setMyCommands failed; commands still work, the menu may be stale',
      );
    }
  }
}
