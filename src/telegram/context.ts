import type { Context } from 'grammy';
import type { Logger } from '../core/logger.ts';
import type { Locale } from '../i18n/locale.ts';

/**
 * grammY context used by every feature: adds a child logger carrying update_id and chat_id. `replayOf` is set when a
 * Retry press runs an earlier update again (its id): handlers of one-shot buttons must not treat the replay as a
 * second press. `locale` is the sender's language, set by the access gate (read it with `localeOfCtx`, src/telegram/locale.ts).
 */
export type BotContext = Context & { log: Logger; replayOf?: number; locale?: Locale };
