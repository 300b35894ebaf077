import { Composer } from 'grammy';
import { toError } from '../core/errors.ts';
import type { Button, ChatRef, Keyboard, Outbox } from '../core/outbox.ts';
import type { ChatType } from '../core/turn.ts';
import { undoTexts } from '../core/undo-texts.ts';
import { chatRefOf } from './chat-ref.ts';
import type { BotContext } from './context.ts';
import { undoData } from '../core/keys/callback-data.ts';
import { localeOfCtx } from './locale.ts';

/**
 * "Delete at once, with ↩️ Undo for a while" — the one way to delete, for every kind of item.
 *
 * Storage side (per feature, see src/core/undo.ts): deleting sets `deleted_at` and a random undo token on the row,
 * hides and stops the item at once, and the row is purged after `UNDO_WINDOW_MS`. Telegram side (this file):
 *
 * - `undoButton(kind, token)` → `{ text: '↩️ Undo', data: 'u:<kind>:<token>' }`. `kind` (1-3 lower-case letters)
 *   names the handler and, if useful, the view the button sits in (e.g. jobs use `jl` in /jobs, `js` on a message
 *   that only says "Deleted", `jk` inside other text). The token names one deletion, never a list position.
 * - `createUndoFeature({ outbox, handlers: { jl: handler, … } })` → a composer for `u:` buttons. It validates the
 *   callback data with zod, calls `handlers[kind].undo(press)`, answers the press with the handler's toast, and on
 *   `{ done: false }` removes the pressed Undo button from the message (a too-late Undo answers
 *   "Too late to undo — create it again." and goes away). On `{ done: true }` the handler has redrawn the message.
 *
 * A handler checks who may undo (the same people who may delete) and restores the exact item.
 */

/** The Undo button for one deletion (label: `undoTexts(locale).button` for the reader's language). */
export function undoButton(kind: string, token: string, label = undoTexts('en').button): Button {
  return { text: label, data: undoData.encode({ kind, token }) };
}

/** A press of an Undo button. */
export interface UndoPress {
  ctx: BotContext;
  token: string;
  chat: ChatRef & { type: ChatType };
  /** The message the button is on. */
  messageId: number | undefined;
  userId: number;
}

/** What the press did: restored (the handler redrew the message) or not (the button is removed unless `keep`). */
export type UndoOutcome =
  | { done: true; toast: string }
  | { done: false; toast: string; alert?: boolean; keep?: boolean };

export interface UndoHandler {
  undo(press: UndoPress): Promise<UndoOutcome>;
}

/** The message's keyboard without the pressed button (rows left empty are dropped). */
function without(keyboard: unknown, data: string): Keyboard | undefined {
  const rows =
    (keyboard as { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] } | undefined)
      ?.inline_keyboard ?? [];
  const out: Keyboard = [];
  for (const row of rows) {
    const kept: Button[] = [];
    for (const b of row) {
      if (b.callback_data === data) continue;
      if (b.callback_data !== undefined) kept.push({ text: b.text, data: b.callback_data });
      else if (b.url !== undefined) kept.push({ text: b.text, url: b.url });
    }
    if (kept.length > 0) out.push(kept);
  }
  return out.length > 0 ? out : undefined;
}

/** Handles every `u:<kind>:<token>` button with the handler registered for its kind. */
export function createUndoFeature(deps: {
  outbox: Outbox;
  handlers: Record<string, UndoHandler>;
}): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(undoData.route, async (ctx) => {
    const pressed = undoData.decode(ctx.callbackQuery.data);
    const handler = pressed ? deps.handlers[pressed.kind] : undefined;
    const chat = chatRefOf(ctx);
    const message = ctx.callbackQuery.message;
    if (!pressed || !handler || !chat) {
      await ctx.answerCallbackQuery({ text: undoTexts(localeOfCtx(ctx)).tooLate });
      return;
    }
    let outcome: UndoOutcome;
    try {
      outcome = await handler.undo({
        ctx,
        token: pressed.token,
        chat,
        messageId: message?.message_id,
        userId: ctx.from.id,
      });
    } catch (err) {
      ctx.log.warn({ err: toError(err) }, 'undo failed');
      await ctx
        .answerCallbackQuery({ text: undoTexts(localeOfCtx(ctx)).failed, show_alert: true })
        .catch(() => undefined);
      return;
    }
    await ctx.answerCallbackQuery({
      text: outcome.toast.slice(0, 200),
      ...(!outcome.done && outcome.alert ? { show_alert: true } : {}),
    });
    if (!outcome.done && !outcome.keep && message) {
      const d = await deps.outbox.editKeyboard(
        chat,
        message.message_id,
        without(message.reply_markup, ctx.callbackQuery.data),
      );
      if (!d.ok) ctx.log.warn({ reason: d.reason }, 'could not remove a stale Undo button');
    }
  });
  return composer;
}
