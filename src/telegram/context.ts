import type { Context } from 'grammy';
import type { Logger } from '../core/logger.ts';

/**
 * grammY context used by every feature: adds a child logger carrying update_id and chat_id. `replayOf` is set when a
 * Retry press runs an earlier update again (its id): handlers of one-shot buttons must not treat the replay as a
 * second press.
 */
export type BotContext = Context & { log: Logger; replayOf?: number };
