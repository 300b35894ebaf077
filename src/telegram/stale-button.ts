import type { InlineKeyboardMarkup } from 'grammy/types';
import { toError } from '../core/errors.ts';
import type { Button, Keyboard, Outbox } from '../core/outbox.ts';
import { chatRefOf } from './chat-ref.ts';
import type { BotContext } from './context.ts';

export interface StaleButtonOptions {
  /** Show the answer as an alert the user dismisses (for outcomes they would not expect). */
  alert?: boolean;
  /** Also replace the message's text (e.g. an error that says "tap Retry"). Default: only buttons go. */
  text?: string;
  /** `keyboard` (default): every button of the message goes. `button`: only the pressed one. */
  remove?: 'keyboard' | 'button';
}

/** The inline keyboard of the pressed message as the press saw it, in our Keyboard shape. */
function keyboardOf(ctx: BotContext): Keyboard {
  const message = ctx.callbackQuery?.message;
  const markup =
    message && 'reply_markup' in message ? (message.reply_markup as InlineKeyboardMarkup | undefined) : undefined;
  return (markup?.inline_keyboard ?? []).map((row) =>
    row.flatMap((b): Button[] => {
      if ('callback_data' in b && b.callback_data) return [{ text: b.text, data: b.callback_data }];
      if ('url' in b && b.url) return [{ text: b.text, url: b.url }];
      return [];
    }),
  );
}

/**
 * A press on a button whose action is no longer possible: answers `answer` (what happened, what to do instead) and
 * takes the dead button off the message, so the chat never keeps showing it. Only a message that still carries the
 * pressed button is changed (a forged or late press never edits an unrelated message). Never throws.
 */
export async function answerStaleButton(
  ctx: BotContext,
  outbox: Pick<Outbox, 'edit' | 'editKeyboard'>,
  answer: string,
  options: StaleButtonOptions = {},
): Promise<void> {
  await ctx
    .answerCallbackQuery({ text: answer.slice(0, 200), ...(options.alert ? { show_alert: true } : {}) })
    .catch((err) => ctx.log.debug({ err: toError(err) }, 'could not answer a stale button press'));
  const data = ctx.callbackQuery?.data;
  const to = chatRefOf(ctx);
  const messageId = ctx.callbackQuery?.message?.message_id;
  if (!to || messageId === undefined || !pressedMessageShowsButton(ctx)) return;
  const keyboard = keyboardOf(ctx);
  const left =
    options.remove === 'button'
      ? keyboard.map((row) => row.filter((b) => !('data' in b) || b.data !== data)).filter((row) => row.length > 0)
      : [];
  try {
    const d =
      options.text !== undefined
        ? await outbox.edit(to, messageId, {
            text: options.text,
            format: 'plain',
            ...(left.length > 0 ? { keyboard: left } : {}),
          })
        : await outbox.editKeyboard(to, messageId, left.length > 0 ? left : undefined);
    if (!d.ok) ctx.log.info({ reason: d.reason, message: d.message }, 'could not take a stale button off its message');
  } catch (err) {
    ctx.log.warn({ err: toError(err) }, 'could not take a stale button off its message');
  }
}

/** True when the pressed message (as the press saw it) still shows a button with this press's data. */
export function pressedMessageShowsButton(ctx: BotContext): boolean {
  const data = ctx.callbackQuery?.data;
  return data !== undefined && keyboardOf(ctx).some((row) => row.some((b) => 'data' in b && b.data === data));
}
