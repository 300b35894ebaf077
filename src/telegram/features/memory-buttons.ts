import { z } from 'zod';
import type { OutMessage } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import { factForDisplay } from '../../memory/fact-display.ts';
import type { RestoreStatus } from '../../memory/fact-trash.ts';
import { scopeOf } from '../../memory/scope.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import type { MemoryFeatureDeps } from './memory.ts';
import { type MemoryTexts, memoryTexts } from './memory-texts.ts';
import { type MemData, renderMemoryPage, type Slot, slotIdsOf } from './memory-view.ts';

const undoPayload = z.object({ factIds: z.array(z.string()).min(1).max(20) });

type Deps = Pick<MemoryFeatureDeps, 'memory' | 'outbox'> & { pageSize: number };

/** The answer to an Undo of one fact. */
function undoAnswer(t: MemoryTexts, status: RestoreStatus): string {
  return status === 'restored' ? t.restored : status === 'active' ? t.alreadyRestored : t.tooLate;
}

/** The /memory list's buttons: pages, 🗑 Forget, the place of a forgotten fact, Undo, and a /forget's Undo. */
export function createMemoryButtons(
  deps: Deps,
  showPage: (ctx: BotContext, page: number, edit: boolean, locale: Locale) => Promise<void>,
) {
  const { memory, outbox, pageSize } = deps;

  /**
   * Redraws the pressed /memory message with the same facts in the same places, each as it is now (a forgotten one
   * stays, struck through); a message without its keyboard gets a fresh page instead.
   */
  async function redraw(ctx: BotContext, page: number, locale: Locale): Promise<void> {
    const to = chatRefOf(ctx);
    const message = ctx.callbackQuery?.message;
    if (!to || !ctx.from || !message) return;
    const ids = slotIdsOf(message.reply_markup);
    if (ids.length === 0) return showPage(ctx, page, true, locale);
    const scope = scopeOf(ctx.from.id, to);
    const found = new Map(
      (await memory.getFacts(ids)).filter((f) => f.userId === ctx.from?.id && f.scope === scope).map((f) => [f.id, f]),
    );
    const slots = ids.map((id): Slot => {
      const f = found.get(id);
      if (!f) return { id, state: 'forgotten' };
      if (f.deletedAt === undefined) return { id, text: f.text, state: 'active' };
      return { id, text: f.text, state: memory.undoable(f) ? 'undoable' : 'forgotten' };
    });
    const { total } = await memory.listFacts(ctx.from.id, to, 0, 1);
    await outbox.edit(to, message.message_id, renderMemoryPage(slots, total, page, pageSize, ctx.from.id, locale));
  }

  /** The 🗑, forgotten-place and Undo buttons of a /memory message. */
  async function onFactButton(
    ctx: BotContext,
    locale: Locale,
    data: Extract<MemData, { id: string; page: number }>,
  ): Promise<void> {
    const to = chatRefOf(ctx);
    const user = ctx.from;
    if (!to || !user) return;
    const t = memoryTexts(locale);
    const fact = await memory.getFact(data.id);
    if (fact && (fact.userId !== user.id || fact.scope !== scopeOf(user.id, to))) {
      await ctx.answerCallbackQuery({ text: t.notYourFact, show_alert: true });
      return;
    }
    let answer: string;
    if (data.type === 'undo') {
      const [result] = await memory.restoreFacts(user.id, to, [data.id]);
      answer = undoAnswer(t, result?.status ?? 'gone');
    } else if (!fact || fact.deletedAt !== undefined) {
      answer = fact !== undefined && memory.undoable(fact) ? t.alreadyDeletedUndo : t.alreadyDeleted;
    } else if (data.type === 'forgotten') {
      // The place of a forgotten fact that Undo brought back meanwhile: show it as it is now.
      answer = t.itsBack;
    } else {
      await memory.trashFacts(user.id, to, [fact.id]);
      answer = t.forgottenTapUndo;
    }
    await ctx.answerCallbackQuery({ text: answer });
    await redraw(ctx, data.page, locale);
  }

  /** The Undo of a /forget message: brings back everything it forgot, within the Undo window. */
  async function onUndoForget(
    ctx: BotContext,
    locale: Locale,
    data: Extract<MemData, { type: 'undoForget' }>,
  ): Promise<void> {
    const to = chatRefOf(ctx);
    const user = ctx.from;
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (!to || !user) return;
    const t = memoryTexts(locale);
    if (data.owner !== user.id) {
      await ctx.answerCallbackQuery({ text: t.notYourUndo, show_alert: true });
      return;
    }
    const payload = undoPayload.safeParse(await memory.readPending(data.id, user.id, 'undo-forget'));
    const results = payload.success ? await memory.restoreFacts(user.id, to, payload.data.factIds) : [];
    const back = results.filter((r) => r.status === 'restored' || r.status === 'active');
    if (back.length === 0) {
      await ctx.answerCallbackQuery({ text: t.tooLate });
      if (messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
      return;
    }
    const restored = results.some((r) => r.status === 'restored');
    await ctx.answerCallbackQuery({ text: restored ? t.broughtBack : t.alreadyUndone });
    const facts = await memory.getFacts(back.map((r) => r.id));
    const lines = facts.map((f) => `• ${factForDisplay(f.text)}`);
    const edited: OutMessage = { text: [t.undoneHeader, ...lines].join('\n'), format: 'plain' };
    if (messageId !== undefined) await outbox.edit(to, messageId, edited);
  }

  /** A page button (◀ ▶): only the list's owner may turn it. */
  async function onPage(ctx: BotContext, locale: Locale, data: Extract<MemData, { type: 'page' }>): Promise<void> {
    if (data.owner !== ctx.from?.id) {
      await ctx.answerCallbackQuery({ text: memoryTexts(locale).notYourList, show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    await showPage(ctx, data.page, true, locale);
  }

  return { onFactButton, onUndoForget, onPage };
}
