import { Composer } from 'grammy';
import type { AuditTrail } from '../../approvals/audit.ts';
import { toError } from '../../core/errors.ts';
import type { ChatRef, OutMessage, Outbox } from '../../core/outbox.ts';
import type { Memory } from '../../memory/memory.ts';
import { clip } from '../../memory/text.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Privacy } from '../../privacy/privacy.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { actingLocale } from './acting-locale.ts';
import { createMemoryButtons } from './memory-buttons.ts';
import { createPrivacyCommands } from './memory-privacy.ts';
import { memoryTexts } from './memory-texts.ts';
import { memData, renderForgotten, renderMemoryPage, type Slot } from './memory-view.ts';
import { createWhyFeature } from './why.ts';

export { renderMemoryPage } from './memory-view.ts';

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
  /** The user's language (their /language choice or Telegram's); without it, Telegram's language_code. */
  localeOf?: (userId: number) => Promise<Locale>;
}

/**
 * `/memory` (paged facts, each with "🗑 Forget"), `/forget <text>` (forgets at once), both with "↩️ Undo" for a few
 * minutes; `/why`, `/export` (JSON file) and `/wipe` (after confirmation). Buttons act on fact ids, only for the
 * user they belong to. Texts are in the acting user's language.
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
  async function showPage(ctx: BotContext, page: number, edit: boolean, locale: Locale): Promise<void> {
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
    const message = renderMemoryPage(slots, total, p, pageSize, user.id, locale);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (edit && messageId !== undefined) await outbox.edit(to, messageId, message);
    else await send(to, message);
  }

  const buttons = createMemoryButtons({ memory, outbox, pageSize }, showPage);
  const privacy = createPrivacyCommands(deps, send);

  composer.command('memory', async (ctx) => {
    await showPage(ctx, 0, false, await actingLocale(deps.localeOf, ctx.from));
  });

  composer.command('forget', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const locale = await actingLocale(deps.localeOf, ctx.from);
    const t = memoryTexts(locale);
    const phrase = ctx.match.trim();
    if (!phrase) return send(to, { text: t.forgetHowTo, format: 'plain' });
    const matches = (await memory.findFacts(ctx.from.id, to, phrase)).slice(0, 10);
    if (matches.length === 0) return send(to, { text: t.forgetNoMatch({ phrase: clip(phrase, 80) }), format: 'plain' });
    const forgotten = await memory.trashFacts(
      ctx.from.id,
      to,
      matches.map((f) => f.id),
    );
    if (forgotten.length === 0) return send(to, { text: t.forgetAlready, format: 'plain' });
    const pending = await memory.savePending(ctx.from.id, 'undo-forget', { factIds: forgotten.map((f) => f.id) });
    const texts = forgotten.map((f) => f.text);
    await send(to, renderForgotten(texts, pending, ctx.from.id, locale));
  });

  composer.use(createWhyFeature(deps));
  composer.use(privacy.composer);

  composer.callbackQuery(/^mem:/, async (ctx) => {
    const parsed = memData.safeParse(ctx.callbackQuery.data);
    const to = chatRefOf(ctx);
    const locale = await actingLocale(deps.localeOf, ctx.from);
    const t = memoryTexts(locale);
    if (!parsed.success || !to) {
      await ctx.answerCallbackQuery({ text: t.staleButton });
      return;
    }
    const data = parsed.data;
    try {
      if (data.type === 'page') return await buttons.onPage(ctx, locale, data);
      if (data.type === 'undoForget') return await buttons.onUndoForget(ctx, locale, data);
      if (data.type === 'wipe') return await privacy.onWipeButton(ctx, t, data);
      return await buttons.onFactButton(ctx, locale, data);
    } catch (err) {
      ctx.log.error({ err: toError(err), data: ctx.callbackQuery.data }, 'memory button failed');
      await ctx.answerCallbackQuery({ text: t.failed, show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}
