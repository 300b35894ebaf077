import { Composer } from 'grammy';
import type { Update } from 'grammy/types';
import { toError } from '../core/errors.ts';
import type { Button, Outbox } from '../core/outbox.ts';
import { chatKeyOfCtx, chatRefOf, displayName } from './chat-ref.ts';
import type { BotContext } from './context.ts';
import { chatKeyOf } from './intake/classify.ts';
import type { Journal } from './intake/journal.ts';
import { isShutdownAbort } from './intake/turn-control.ts';
import { answerStaleButton, pressedMessageShowsButton } from './stale-button.ts';
import { continueData, retryData, turnButtonOf } from '../core/keys/callback-data.ts';
import type { Locale } from '../i18n/locale.ts';
import { localeOfCtx } from './locale.ts';
import { retryTexts } from './retry-texts.ts';

const en = retryTexts('en');
/** What a Retry button answers when the journal no longer has the message (pruned after 7 days, or wiped). */
export const RETRY_TOO_OLD = en.tooOld;
/** The failed message's new text while its retry runs, and after it (in English; others: `retryTexts`). */
export const RETRYING_TEXT = en.retrying;
export const RETRIED_TEXT = en.retried;

/** The Retry button of a failed update: a press runs that update again as a new turn. */
export function retryButton(updateId: number, locale: Locale = 'en'): Button {
  return { text: retryTexts(locale).retryButton, data: retryData.encode(updateId) };
}

/** Retries of retries are followed back to the update they started from, at most this many steps. */
const MAX_CHAIN = 50;

export interface RetryDeps {
  outbox: Pick<Outbox, 'edit' | 'editKeyboard'>;
  journal: Pick<Journal, 'get' | 'earlierPress'>;
  /** Runs `update` (a new id, an earlier update's content) through access, commands, features and chat. */
  replay: (ctx: BotContext, update: Update, originId: number) => Promise<void>;
}

/**
 * Retry and the one-press rule of turn buttons. A Retry press runs the failed update again under the press's own
 * update id, so every retry is a new turn (own turn id and dedupe keys) and a replay of the same press never answers
 * twice. The failed message is edited ("↻ Retrying…", then "↻ Retried — see below."), so no message keeps saying
 * "tap Retry" without the button; a retry that fails again ends with a fresh message and a fresh Retry button.
 * A second press of the same Retry or Continue button (double tap, old client) only answers what happened.
 */
export function createRetryFeature(deps: RetryDeps): Composer<BotContext> {
  const { outbox, journal } = deps;
  const composer = new Composer<BotContext>();

  async function pressedBefore(ctx: BotContext): Promise<boolean> {
    const key = chatKeyOfCtx(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    const data = ctx.callbackQuery?.data;
    if (ctx.replayOf !== undefined || !ctx.from || !key || messageId === undefined || !data) return false;
    return (
      (await journal.earlierPress({
        updateId: ctx.update.update_id,
        userId: ctx.from.id,
        chatKey: key,
        messageId,
        data,
      })) !== undefined
    );
  }

  /** The message or button press a Retry refers to, following retries of retries; undefined when it is gone. */
  async function originOf(updateId: number): Promise<{ id: number; update: Update } | undefined> {
    let id = updateId;
    for (let step = 0; step < MAX_CHAIN; step++) {
      const entry = await journal.get(id);
      if (!entry) return undefined;
      const pressed = turnButtonOf(entry.update.callback_query?.data);
      if (pressed?.action === 'retry') {
        id = pressed.updateId;
        continue;
      }
      return entry.update.message || entry.update.callback_query ? { id, update: entry.update } : undefined;
    }
    return undefined;
  }

  const answer = (ctx: BotContext, text: string) =>
    ctx
      .answerCallbackQuery({ text })
      .catch((err) => ctx.log.debug({ err: toError(err) }, 'could not answer a button press'));

  async function editFailed(ctx: BotContext, text: string): Promise<void> {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (!to || messageId === undefined) return;
    const d = await outbox
      .edit(to, messageId, { text, format: 'plain' })
      .catch((err) => ({ ok: false, message: toError(err).message }));
    if (!d.ok) ctx.log.info({ message: d.message }, 'could not edit the failed message');
  }

  composer.callbackQuery(continueData.route, async (ctx, next) => {
    if (ctx.replayOf !== undefined) return next();
    const t = retryTexts(localeOfCtx(ctx));
    // Continue runs a turn as the presser: in a group only the person whose answer it is may press it.
    const pressed = continueData.decode(ctx.callbackQuery.data);
    const entry = pressed !== undefined ? await journal.get(pressed) : undefined;
    if (entry && chatKeyOf(entry.update) !== chatKeyOfCtx(ctx)) return answerStaleButton(ctx, outbox, t.notValidHere);
    const author = entry?.update.message?.from ?? entry?.update.callback_query?.from;
    if (author && author.id !== ctx.from.id)
      return void (await answer(ctx, t.onlyAuthorContinues({ who: displayName(author) })));
    if (await pressedBefore(ctx)) return answerStaleButton(ctx, outbox, t.alreadyContinued);
    return next();
  });

  composer.callbackQuery(retryData.route, async (ctx) => {
    const pressed = retryData.decode(ctx.callbackQuery.data);
    const t = retryTexts(localeOfCtx(ctx));
    if (pressed === undefined) return answerStaleButton(ctx, outbox, t.notValidAnyMore);
    if (await pressedBefore(ctx)) return answerStaleButton(ctx, outbox, t.alreadyRetried, { text: t.retried });
    const origin = await originOf(pressed);
    if (!origin) return answerStaleButton(ctx, outbox, t.tooOld, { text: t.tooOld });
    if (chatKeyOf(origin.update) !== chatKeyOfCtx(ctx)) {
      return answerStaleButton(ctx, outbox, t.notValidHereSendAgain);
    }
    const author = origin.update.message?.from ?? origin.update.callback_query?.from;
    if (author?.id !== ctx.from.id)
      return void (await answer(ctx, author ? t.onlyAuthorRetries({ who: displayName(author) }) : t.tooOld));

    // A replayed button press answers the press itself (its handler knows what happened); a message is acknowledged here.
    if (origin.update.message) await answer(ctx, t.tryingAgain);
    const shows = pressedMessageShowsButton(ctx);
    if (shows) await editFailed(ctx, t.retrying);
    const update: Update = origin.update.message
      ? { update_id: ctx.update.update_id, message: origin.update.message }
      : {
          update_id: ctx.update.update_id,
          callback_query: { ...origin.update.callback_query!, id: ctx.callbackQuery.id },
        };
    ctx.log.info({ origin: origin.id }, 'retrying an earlier update');
    let interrupted = false;
    try {
      await deps.replay(ctx, update, origin.id);
    } catch (err) {
      // Shutdown: the press stays in the journal and runs again on the next start; the message keeps "Retrying…".
      interrupted = isShutdownAbort(err) || (err instanceof Error && isShutdownAbort(err.cause));
      throw err;
    } finally {
      if (shows && !interrupted) await editFailed(ctx, t.retried);
    }
  });

  return composer;
}
