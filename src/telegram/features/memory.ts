import { Composer } from 'grammy';
import { z } from 'zod';
import type { AuditTrail } from '../../approvals/audit.ts';
import { toError } from '../../core/errors.ts';
import type { ChatRef, OutMessage, Outbox } from '../../core/outbox.ts';
import { factForDisplay } from '../../memory/fact-display.ts';
import type { Memory } from '../../memory/memory.ts';
import { scopeOf } from '../../memory/scope.ts';
import { clip } from '../../memory/text.ts';
import type { Privacy, WipeReport } from '../../privacy/privacy.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { type MemData, memData, renderForgotten, renderMemoryPage, type Slot, slotIdsOf } from './memory-view.ts';
import { createWhyFeature } from './why.ts';

export { renderMemoryPage } from './memory-view.ts';
import { answerStaleButton } from '../stale-button.ts';

export const memoryCommands = [
  { command: 'memory', description: 'What I remember about you (and forget things)' },
  { command: 'forget', description: 'Forget something: /forget <what>' },
  { command: 'why', description: 'What my last answer used and did' },
  { command: 'export', description: 'Download your data as JSON' },
  { command: 'wipe', description: 'Erase everything I store about you' },
];

export interface MemoryFeatureDeps {
  memory: Memory;
  outbox: Outbox;
  /** Facts per /memory page (5–10). Default 6. */
  pageSize?: number;
  /** This user's approvals and questions in a chat (for /why); never another member's. */
  auditTrail?: (chat: ChatRef, userId: number) => Promise<AuditTrail>;
  /** The user's time zone, for dates in /why (UTC without it). */
  timezoneOf?: (userId: number) => Promise<string>;
  /** /export and /wipe across every table; without it they cover memory only. */
  privacy?: Privacy;
}

const undoPayload = z.object({ factIds: z.array(z.string()).min(1).max(20) });

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * `/memory` (paged facts, each with "🗑 Forget"), `/forget <text>` (forgets at once), both with "↩️ Undo" for a few
 * minutes; `/why`, `/export` (JSON file) and `/wipe` (after confirmation). Buttons act on fact ids, only for the
 * user they belong to.
 */
export function createMemoryFeature(deps: MemoryFeatureDeps): Composer<BotContext> {
  const { memory, outbox } = deps;
  const pageSize = Math.min(10, Math.max(5, deps.pageSize ?? 6));
  const composer = new Composer<BotContext>();

  async function send(to: ChatRef, message: OutMessage): Promise<void> {
    const d = await outbox.send(to, message);
    if (!d.ok) throw new Error(`could not send: ${d.reason} ${d.message}`);
  }

  /** A fresh page of the user's facts (sent, or edited into the pressed message). */
  async function showPage(ctx: BotContext, page: number, edit: boolean): Promise<void> {
    const to = chatRefOf(ctx);
    const user = ctx.from;
    if (!to || !user) return;
    let { facts, total } = await memory.listFacts(user.id, to, page, pageSize);
    let p = page;
    if (facts.length === 0 && total > 0) {
      p = Math.max(0, Math.ceil(total / pageSize) - 1);
      ({ facts, total } = await memory.listFacts(user.id, to, p, pageSize));
    }
    const slots: Slot[] = facts.map((f) => ({ id: f.id, text: f.text, state: 'active' }));
    const message = renderMemoryPage(slots, total, p, pageSize, user.id);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (edit && messageId !== undefined) await outbox.edit(to, messageId, message);
    else await send(to, message);
  }

  /**
   * Redraws the pressed /memory message with the same facts in the same places, each as it is now (a forgotten one
   * stays, struck through); a message without its keyboard gets a fresh page instead.
   */
  async function redraw(ctx: BotContext, page: number): Promise<void> {
    const to = chatRefOf(ctx);
    const message = ctx.callbackQuery?.message;
    if (!to || !ctx.from || !message) return;
    const ids = slotIdsOf(message.reply_markup);
    if (ids.length === 0) return showPage(ctx, page, true);
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
    await outbox.edit(to, message.message_id, renderMemoryPage(slots, total, page, pageSize, ctx.from.id));
  }

  composer.command('memory', async (ctx) => {
    await showPage(ctx, 0, false);
  });

  composer.command('forget', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const phrase = ctx.match.trim();
    if (!phrase) {
      await send(to, {
        text: 'Tell me what to forget, e.g. /forget my address. Or send /memory to pick from a list.',
        format: 'plain',
      });
      return;
    }
    const matches = (await memory.findFacts(ctx.from.id, to, phrase)).slice(0, 10);
    if (matches.length === 0) {
      await send(to, {
        text: `I have nothing saved that matches “${clip(phrase, 80)}”. Send /memory to see everything I remember.`,
        format: 'plain',
      });
      return;
    }
    const forgotten = await memory.trashFacts(
      ctx.from.id,
      to,
      matches.map((f) => f.id),
    );
    if (forgotten.length === 0) {
      await send(to, { text: 'Those were already forgotten. Send /memory to see what I remember.', format: 'plain' });
      return;
    }
    const pending = await memory.savePending(ctx.from.id, 'undo-forget', { factIds: forgotten.map((f) => f.id) });
    await send(
      to,
      renderForgotten(
        forgotten.map((f) => f.text),
        pending,
        ctx.from.id,
      ),
    );
  });

  composer.use(createWhyFeature(deps));

  composer.command('export', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    if (to.type !== 'private') {
      await send(to, { text: 'For your privacy, send /export to me in a private chat.', format: 'plain' });
      return;
    }
    const full = deps.privacy ? await deps.privacy.exportUser(ctx.from.id) : undefined;
    const data = full ?? (await memory.exportUser(ctx.from.id));
    const bytes = new TextEncoder().encode(JSON.stringify(data, null, 2));
    const more = full ? `, ${full.schedules.length} schedules, ${full.requests.length} paused requests` : '';
    const d = await outbox.sendDocument(to, {
      name: 'my-data.json',
      data: bytes,
      caption: `Your data: ${data.facts.length} facts, ${data.messages.length} messages${more}.`,
    });
    if (!d.ok) {
      ctx.log.warn({ reason: d.reason }, '/export document failed');
      await send(to, {
        text: 'I couldn’t send the file just now. Please try /export again in a minute.',
        format: 'plain',
      });
    }
  });

  composer.command('wipe', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    if (to.type !== 'private') {
      await send(to, { text: 'For your privacy, send /wipe to me in a private chat.', format: 'plain' });
      return;
    }
    const pending = await memory.savePending(ctx.from.id, 'wipe', {});
    await send(to, {
      text: 'Erase everything I store about you — messages, facts, conversation history, schedules, pending requests and settings, in every chat? Your access to the bot stays. This can’t be undone. (Tip: /export first.)',
      format: 'plain',
      keyboard: [
        [
          { text: '⚠️ Yes, erase everything', data: `mem:wy:${pending}` },
          { text: 'Cancel', data: `mem:wn:${pending}` },
        ],
      ],
    });
  });

  /** The 🗑, forgotten-place and Undo buttons of a /memory message. */
  async function onFactButton(ctx: BotContext, data: Extract<MemData, { id: string; page: number }>): Promise<void> {
    const to = chatRefOf(ctx);
    const user = ctx.from;
    if (!to || !user) return;
    const fact = await memory.getFact(data.id);
    if (fact && (fact.userId !== user.id || fact.scope !== scopeOf(user.id, to))) {
      await ctx.answerCallbackQuery({
        text: 'Only the person this is about can change it. Send /memory to see yours.',
        show_alert: true,
      });
      return;
    }
    if (data.type === 'undo') {
      const [result] = await memory.restoreFacts(user.id, to, [data.id]);
      const status = result?.status ?? 'gone';
      const text =
        status === 'restored'
          ? 'Brought back. I remember it again.'
          : status === 'active'
            ? 'Already brought back.'
            : 'Too late to undo — it’s forgotten for good.';
      await ctx.answerCallbackQuery({ text });
      await redraw(ctx, data.page);
      return;
    }
    if (!fact || fact.deletedAt !== undefined) {
      const undoable = fact !== undefined && memory.undoable(fact);
      await ctx.answerCallbackQuery({
        text: undoable ? 'Already deleted. Tap ↩️ Undo to bring it back.' : 'Already deleted.',
      });
      await redraw(ctx, data.page);
      return;
    }
    if (data.type === 'forgotten') {
      // The place of a forgotten fact that Undo brought back meanwhile: show it as it is now.
      await ctx.answerCallbackQuery({ text: 'It’s back in my memory.' });
      await redraw(ctx, data.page);
      return;
    }
    await memory.trashFacts(user.id, to, [fact.id]);
    await ctx.answerCallbackQuery({ text: 'Forgotten. Tap ↩️ Undo if you didn’t mean it.' });
    await redraw(ctx, data.page);
  }

  /** The Undo of a /forget message: brings back everything it forgot, within the Undo window. */
  async function onUndoForget(ctx: BotContext, data: Extract<MemData, { type: 'undoForget' }>): Promise<void> {
    const to = chatRefOf(ctx);
    const user = ctx.from;
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (!to || !user) return;
    if (data.owner !== user.id) {
      await ctx.answerCallbackQuery({
        text: 'Only the person who asked me to forget this can undo it.',
        show_alert: true,
      });
      return;
    }
    const payload = undoPayload.safeParse(await memory.readPending(data.id, user.id, 'undo-forget'));
    const results = payload.success ? await memory.restoreFacts(user.id, to, payload.data.factIds) : [];
    const back = results.filter((r) => r.status === 'restored' || r.status === 'active');
    if (back.length === 0) {
      await ctx.answerCallbackQuery({ text: 'Too late to undo — it’s forgotten for good.' });
      if (messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
      return;
    }
    const restored = results.some((r) => r.status === 'restored');
    await ctx.answerCallbackQuery({ text: restored ? 'Brought back.' : 'Already undone.' });
    const facts = await memory.getFacts(back.map((r) => r.id));
    const lines = facts.map((f) => `• ${factForDisplay(f.text)}`);
    if (messageId !== undefined)
      await outbox.edit(to, messageId, { text: ['↩️ Undone. I remember again:', ...lines].join('\n'), format: 'plain' });
  }

  composer.callbackQuery(/^mem:/, async (ctx) => {
    const parsed = memData.safeParse(ctx.callbackQuery.data);
    const user = ctx.from;
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    if (!parsed.success || !to) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date. Send /memory for a fresh list.' });
      return;
    }
    const data = parsed.data;
    try {
      if (data.type === 'page') {
        if (data.owner !== user.id) {
          await ctx.answerCallbackQuery({
            text: 'This list belongs to someone else. Send /memory to see yours.',
            show_alert: true,
          });
          return;
        }
        await ctx.answerCallbackQuery();
        await showPage(ctx, data.page, true);
        return;
      }
      if (data.type === 'undoForget') return await onUndoForget(ctx, data);
      if (data.type !== 'wipe') return await onFactButton(ctx, data);
      const payload = await memory.takePending(data.id, user.id, 'wipe');
      if (payload === undefined && to.type === 'private' && to.chatId === user.id) {
        // A confirmation in the presser's own private chat is theirs: it is dead for good, so its buttons go.
        return await answerStaleButton(
          ctx,
          outbox,
          'This confirmation has expired or was already used. Send the command again.',
          { alert: true },
        );
      }
      if (payload === undefined) {
        await ctx.answerCallbackQuery({
          text: 'This confirmation expired or belongs to someone else. Send /wipe again.',
          show_alert: true,
        });
        return;
      }
      let result: string;
      if (data.action === 'wn') {
        result = 'Cancelled — nothing was deleted.';
      } else if (deps.privacy) {
        // Answer the button now: a wipe waits for running work and may take longer than Telegram waits.
        await ctx.answerCallbackQuery({ text: 'Erasing…' });
        let r: WipeReport;
        try {
          r = await deps.privacy.wipeUser(user.id);
        } catch (err) {
          ctx.log.error({ err: toError(err) }, '/wipe failed');
          result =
            'Something went wrong while erasing, so some of your data may still be here. Please send /wipe again.';
          if (messageId !== undefined) await outbox.edit(to, messageId, { text: result, format: 'plain' });
          return;
        }
        const counts = [count(r.messages, 'message'), count(r.facts, 'fact')];
        if (r.schedules > 0) counts.push(count(r.schedules, 'schedule'));
        if (r.requests > 0) counts.push(count(r.requests, 'pending request'));
        result = `Done. I erased ${counts.join(', ')} and everything else I kept about you. I’m starting fresh with you.`;
        if (messageId !== undefined) await outbox.edit(to, messageId, { text: result, format: 'plain' });
        return;
      } else {
        const r = await memory.wipeUser(user.id);
        result = `Done. I erased ${r.messages} messages and ${r.facts} facts. I’m starting fresh with you.`;
      }
      await ctx.answerCallbackQuery({ text: data.action === 'wn' ? 'Cancelled.' : 'Done.' });
      if (messageId !== undefined) await outbox.edit(to, messageId, { text: result, format: 'plain' });
    } catch (err) {
      ctx.log.error({ err: toError(err), data: ctx.callbackQuery.data }, 'memory button failed');
      await ctx
        .answerCallbackQuery({ text: 'Something went wrong. Please try again.', show_alert: true })
        .catch(() => undefined);
    }
  });

  return composer;
}
