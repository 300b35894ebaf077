import { Composer } from 'grammy';
import { z } from 'zod';
import type { AuditTrail } from '../../approvals/audit.ts';
import { toError } from '../../core/errors.ts';
import { escapeHtml } from '../../core/html.ts';
import type { ChatRef, Keyboard, OutMessage } from '../../core/outbox.ts';
import { formatDayMonth } from '../../core/zoned-time.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { LastUsed } from '../../memory/memory.ts';
import { explainAnswer } from '../../memory/why-text.ts';
import { whyTexts } from '../../memory/why-texts.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { actingLocale } from './acting-locale.ts';
import type { MemoryFeatureDeps } from './memory.ts';

/** `why:(d|s):<owner>:<answer time, base 36>`: the Details (raw) view or back to the summary of one answer. */
const whyData = z
  .string()
  .regex(/^why:[ds]:\d{1,15}:[0-9a-z]{1,12}$/)
  .transform((s) => {
    const [, view, owner, at] = s.split(':');
    return {
      view: view === 'd' ? ('details' as const) : ('summary' as const),
      owner: Number(owner),
      at: parseInt(at as string, 36),
    };
  });

const TELEGRAM_LIMIT = 4000;

function dayMonth(locale: Locale, zone: string): (at: number) => string {
  return (at) => formatDayMonth(at, zone, { locale });
}

/** The raw view behind "Details": ids, tool names and the approval trail, as JSON. */
function rawView(last: LastUsed | undefined, trail: AuditTrail | undefined, locale: Locale): OutMessage {
  const raw = {
    answeredAt: last ? new Date(last.at).toISOString() : null,
    facts: last?.facts ?? [],
    messages: (last?.messages ?? []).map((m) => ({ id: m.id, at: m.at ? new Date(m.at).toISOString() : null })),
    tools: last?.activity?.tools ?? [],
    files: last?.activity?.files ?? [],
    web: last?.activity?.web ?? null,
    guards: last?.activity?.guards ?? [],
    approvals: trail?.lines ?? [],
  };
  let json = JSON.stringify(raw, null, 1);
  if (json.length > TELEGRAM_LIMIT - 100) json = `${json.slice(0, TELEGRAM_LIMIT - 100)}\n…`;
  return { text: `<b>${whyTexts(locale).detailsTitle}</b>\n<pre>${escapeHtml(json)}</pre>`, format: 'html' };
}

/**
 * `/why`: what the asker's last answer in this chat used (facts, earlier conversations, files, web pages) and did
 * (tools, approvals, questions), in sentences; the raw view is one "🔎 Details" tap away. Only the asker's own
 * answer and requests, never another member's.
 */
export function createWhyFeature(
  deps: Pick<MemoryFeatureDeps, 'memory' | 'outbox' | 'auditTrail' | 'timezoneOf' | 'localeOf'>,
): Composer<BotContext> {
  const { memory, outbox } = deps;
  const composer = new Composer<BotContext>();

  async function gather(to: ChatRef, userId: number, log: BotContext['log']) {
    const last = await memory.lastUsed(to, userId);
    let trail: AuditTrail | undefined;
    try {
      trail = await deps.auditTrail?.(to, userId);
    } catch (err) {
      log.warn({ err: toError(err) }, '/why: approvals trail unavailable');
    }
    return { last, trail };
  }

  async function summary(
    last: LastUsed | undefined,
    trail: AuditTrail | undefined,
    userId: number,
    locale: Locale,
  ): Promise<string> {
    const zone = (await deps.timezoneOf?.(userId).catch(() => undefined)) ?? 'UTC';
    return explainAnswer({
      userId,
      ...(last ? { last } : {}),
      decisions: trail?.calls ?? {},
      waiting: trail?.waiting ?? [],
      date: dayMonth(locale, zone),
      locale,
    });
  }

  function keyboard(view: 'd' | 's', owner: number, last: LastUsed | undefined, locale: Locale): Keyboard | undefined {
    if (!last) return undefined;
    const at = last.at.toString(36);
    const t = whyTexts(locale);
    return [
      [
        view === 'd'
          ? { text: t.detailsButton, data: `why:d:${owner}:${at}` }
          : { text: t.backButton, data: `why:s:${owner}:${at}` },
      ],
    ];
  }

  composer.command('why', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const locale = await actingLocale(deps.localeOf, ctx.from);
    const { last, trail } = await gather(to, ctx.from.id, ctx.log);
    const text = await summary(last, trail, ctx.from.id, locale);
    const kb = keyboard('d', ctx.from.id, last, locale);
    const d = await outbox.send(to, { text, format: 'plain', ...(kb ? { keyboard: kb } : {}) });
    if (!d.ok) ctx.log.warn({ reason: d.reason }, '/why reply failed');
  });

  composer.callbackQuery(/^why:/, async (ctx) => {
    const parsed = whyData.safeParse(ctx.callbackQuery.data);
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    const locale = await actingLocale(deps.localeOf, ctx.from);
    const t = whyTexts(locale);
    if (!parsed.success || !to || messageId === undefined) {
      await ctx.answerCallbackQuery({ text: t.staleButton });
      return;
    }
    const { view, owner, at } = parsed.data;
    if (owner !== ctx.from.id) {
      await ctx.answerCallbackQuery({ text: t.notYours, show_alert: true });
      return;
    }
    try {
      const { last, trail } = await gather(to, owner, ctx.log);
      if (!last || last.at !== at) {
        await ctx.answerCallbackQuery({ text: t.answeredSince, show_alert: true });
        await outbox.editKeyboard(to, messageId, undefined);
        return;
      }
      await ctx.answerCallbackQuery();
      if (view === 'details') {
        const raw = rawView(last, trail, locale);
        await outbox.edit(to, messageId, { ...raw, keyboard: keyboard('s', owner, last, locale) });
      } else {
        const kb = keyboard('d', owner, last, locale);
        await outbox.edit(to, messageId, {
          text: await summary(last, trail, owner, locale),
          format: 'plain',
          ...(kb ? { keyboard: kb } : {}),
        });
      }
    } catch (err) {
      ctx.log.error({ err: toError(err) }, '/why button failed');
      await ctx.answerCallbackQuery({ text: t.failed, show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}
