import type { Context } from 'grammy';
import type { Logger } from '../core/logger.ts';

/** grammY context used by every feature: adds a child logger carrying update_id and chat_id. */
export type BotContext = Context & { log: Logger };
