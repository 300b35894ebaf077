import { Bot, Composer, Context, GrammyError } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { backoffDelay } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import { AppError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import { ensureBotDescriptions, registerCommandMenus } from './bot-profile.ts';
import { chatRefOf } from './chat-ref.ts';
import type { BotContext } from './context.ts';
import type { Journal } from './intake/journal.ts';
import { isShutdownAbort } from './intake/turn-control.ts';
import { createRetryFeature, retryButton } from './retry.ts';
import { answerStaleButton } from './stale-button.ts';
import { turnFinalKey } from '../core/keys/dedupe-keys.ts';
import { localeOfCtx } from './locale.ts';
import { retryTexts } from './retry-texts.ts';

export interface BotFeatures {
  /** Group rules (first: group chatter not for the bot is dropped before anything else). */
  groups?: Composer<BotContext>;
  /** Access control. */
  access?: Composer<BotContext>;
  /** Commands answered without the model. */
  commands?: Composer<BotContext>;
  /** Other features (memory, jobs, approvals, …), in order. */
  extra?: Composer<BotContext>[];
  /** The chat (model) feature: last. */
  chat?: Composer<BotContext>;
}

export interface CreateBotOptions {
  token: string;
  apiRoot: string;
  log: Logger;
  outbox: Outbox;
  features: BotFeatures;
  /** The update journal: a Retry press re-reads the failed update from it. */
  journal: Pick<Journal, 'get' | 'earlierPress'>;
  /** Skip getMe when known (tests). */
  botInfo?: UserFromGetMe;
}

/** The error boundary's text (English; every language: `retryTexts`). */
export const FAILURE_TEXT = retryTexts('en').failure;

/**
 * Builds the grammY bot. Middleware order: per-update logger → error boundary → ignore bots and edits →
 * group rules → access → Retry → commands → other features → chat → an answer to stray button presses.
 * A Retry press runs the failed update again through the same chain (after the error boundary).
 */
export function createBot(options: CreateBotOptions): Bot<BotContext> {
  const { log, outbox, features } = options;
  const bot = new Bot<BotContext>(options.token, {
    client: { apiRoot: options.apiRoot.replace(/\/+$/, '') },
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });

  bot.use(async (ctx, next) => {
    ctx.log = log.child({ update_id: ctx.update.update_id, chat_id: ctx.chat?.id, user_id: ctx.from?.id });
    await next();
  });

  // Error boundary: the user gets a short message with Retry; the log gets the cause; the dispatcher marks it failed.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (isShutdownAbort(err) || (err instanceof Error && isShutdownAbort(err.cause))) throw err;
      const e = toError(err);
      ctx.log.error({ err: e, code: err instanceof AppError ? err.code : undefined }, 'update failed');
      const t = retryTexts(localeOfCtx(ctx));
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: t.failureToast }).catch(() => undefined);
      const to = chatRefOf(ctx);
      if (to) {
        const retryable = ctx.message !== undefined || ctx.callbackQuery !== undefined;
        await outbox
          .send(to, {
            text: retryable ? t.failure : t.failureNoRetry,
            format: 'plain',
            ...(retryable ? { keyboard: [[retryButton(ctx.update.update_id, localeOfCtx(ctx))]] } : {}),
            dedupeKey: turnFinalKey.encode(ctx.update.update_id),
          })
          .catch((e2) => ctx.log.error({ err: toError(e2) }, 'could not send the failure message'));
      }
      throw err;
    }
  });

  // Everything after the error boundary; a Retry press runs the failed update through it again.
  const pipeline = new Composer<BotContext>();
  pipeline.use(async (ctx, next) => {
    if (ctx.from?.is_bot) return;
    if (ctx.editedMessage || ctx.editedChannelPost || ctx.channelPost) return; // answers go to new messages only
    await next();
  });
  if (features.groups) pipeline.use(features.groups);
  if (features.access) pipeline.use(features.access);
  pipeline.use(
    createRetryFeature({
      outbox,
      journal: options.journal,
      replay: async (ctx, update: Update, originId) => {
        const again = new Context(update, ctx.api, ctx.me) as BotContext;
        again.log = ctx.log.child({ replay_of: originId });
        again.replayOf = originId;
        await pipeline.middleware()(again, async () => undefined);
      },
    }),
  );
  if (features.commands) pipeline.use(features.commands);
  for (const f of features.extra ?? []) pipeline.use(f);
  if (features.chat) pipeline.use(features.chat);
  pipeline.on('callback_query', async (ctx) => {
    ctx.log.info({ data: ctx.callbackQuery.data }, 'button press not handled by any feature');
    await answerStaleButton(ctx, outbox, retryTexts(localeOfCtx(ctx)).noLongerActive, { remove: 'button' });
  });
  bot.use(pipeline);

  return bot;
}

/** getMe retries at start-up: 0.5, 1, 2, 4 s. */
const GET_ME_BACKOFF = { baseMs: 500, maxMs: 4000 };

/**
 * Fetches botInfo (getMe) unless given. Resolves with it and `profile`: the command menus (private chats and groups
 * apart) and the bot's description and short description being set, which the caller awaits once the rest of its
 * start-up (which does not need them) is under way. `profile` never rejects: each failure is logged.
 */
export async function initBot(
  bot: Bot<BotContext>,
  commands: { command: string; description: string }[],
  log: Logger,
  clock: Clock,
): Promise<{ me: UserFromGetMe; profile: Promise<void> }> {
  // Our own bounded getMe: grammY's init() retries network errors forever without a word.
  if (!bot.isInited()) {
    for (let attempt = 1; ; attempt++) {
      try {
        bot.botInfo = await bot.api.getMe();
        break;
      } catch (err) {
        if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
          throw new AppError(
            'telegram_failed',
            'Telegram rejected the bot token (401 Unauthorized). Check TELEGRAM_BOT_TOKEN: get a valid token from @BotFather.',
            { cause: err },
          );
        }
        if (attempt >= 5) {
          throw new AppError(
            'telegram_failed',
            `Cannot reach Telegram (getMe failed: ${toError(err).message}). Check TELEGRAM_API_ROOT and the network.`,
            {
              cause: err,
            },
          );
        }
        log.warn({ err: toError(err), attempt }, 'getMe failed; retrying');
        await clock.sleep(backoffDelay(attempt, GET_ME_BACKOFF));
      }
    }
  }
  const profile = Promise.all([registerCommandMenus(bot.api, commands, log), ensureBotDescriptions(bot.api, log)]).then(
    () => undefined,
    (err: unknown) => log.warn({ err: toError(err) }, 'cannot set the command menus or descriptions'),
  );
  return { me: bot.botInfo, profile };
}
