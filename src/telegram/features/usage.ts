import { Composer } from 'grammy';
import { toError } from '../../core/errors.ts';
import type { Outbox } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Period } from '../../usage/budget-rules.ts';
import { raiseData } from '../../usage/usage-buttons.ts';
import { formatUsd } from '../../usage/usage-format.ts';
import type { UsageService } from '../../usage/usage-service.ts';
import { usageTexts } from '../../usage/usage-texts.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';

export const usageCommands = [{ command: 'usage', description: 'Your tokens and costs (owner: /usage all)' }];

export interface UsageFeatureDeps {
  service: UsageService;
  outbox: Outbox;
  ownerId: () => Promise<number | undefined>;
  localeOf: (userId: number) => Promise<Locale>;
  nameOf: (userId: number) => Promise<string>;
}

/** `/usage limit <user id> day|month <USD|default>`, parsed; undefined when it doesn't read like that. */
export function parseLimit(args: string): { userId: number; period: Period; usd: number | null } | undefined {
  const m = /^limit\s+(\d{1,15})\s+(day|daily|month|monthly)\s+(default|\$?\d+(?:[.,]\d+)?)$/i.exec(args.trim());
  if (!m) return undefined;
  const amount = m[3]!.toLowerCase();
  const usd = amount === 'default' ? null : Number(amount.replace('$', '').replace(',', '.'));
  if (usd !== null && !Number.isFinite(usd)) return undefined;
  return { userId: Number(m[1]), period: m[2]!.toLowerCase().startsWith('day') ? 'day' : 'month', usd };
}

/**
 * `/usage`: the caller's tokens and cost today and this month, by agent and by kind, then a chart of the last 30
 * days. The owner's `/usage all` lists everyone and `/usage limit …` sets a user's limit; the owner's "Raise to …"
 * button (sent when a user runs out) raises it and tells the user.
 */
export function createUsageFeature(deps: UsageFeatureDeps): Composer<BotContext> {
  const { service, outbox } = deps;
  const composer = new Composer<BotContext>();
  const isOwner = async (userId: number) => (await deps.ownerId()) === userId;

  composer.command('usage', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const me = ctx.from.id;
    const locale = await deps.localeOf(me);
    const t = usageTexts(locale);
    const args = ctx.match.trim();
    const say = (text: string) => outbox.send(to, { text, format: 'plain' });
    if (args === '') {
      const { text, chart } = await service.report(me, locale);
      await say(text);
      const d = await outbox.sendDocument(to, { name: 'usage.png', data: chart, caption: t.chartCaption, photo: true });
      ctx.log.info({ delivered: d.ok, chartBytes: chart.length }, '/usage');
      return;
    }
    if (!(await isOwner(me))) {
      await say(t.onlyOwner);
      return;
    }
    // Other users' spending is theirs: not for a group to read.
    if (to.type !== 'private') {
      await say(t.privateOnly);
      return;
    }
    if (args.toLowerCase() === 'all') {
      await say(await service.reportAll(locale, me));
      ctx.log.info('/usage all');
      return;
    }
    const limit = parseLimit(args);
    if (!limit) {
      await say(t.limitHelp);
      return;
    }
    const limits = await service.setLimit(limit.userId, limit.period, limit.usd);
    const now = limit.period === 'day' ? limits.dailyUsd : limits.monthlyUsd;
    const name = await deps.nameOf(limit.userId);
    await say(t.limitSet({ name, period: limit.period, limit: now > 0 ? formatUsd(now) : t.unlimited }));
    ctx.log.info({ userId: limit.userId, period: limit.period }, '/usage limit');
  });

  composer.callbackQuery(raiseData.route, async (ctx) => {
    const me = ctx.from.id;
    const t = usageTexts(await deps.localeOf(me));
    const press = raiseData.decode(ctx.callbackQuery.data);
    if (!press) {
      await ctx.answerCallbackQuery({ text: t.outdated });
      return;
    }
    if (!(await isOwner(me))) {
      await ctx.answerCallbackQuery({ text: t.onlyOwner, show_alert: true });
      return;
    }
    try {
      const result = await service.raise(press);
      const name = await deps.nameOf(press.userId);
      const limit = formatUsd(result.limitUsd);
      await ctx.answerCallbackQuery({
        text: result.raised ? t.raised({ name, period: press.period, limit }) : t.alreadyRaised,
      });
      const to = chatRefOf(ctx);
      const messageId = ctx.callbackQuery.message?.message_id;
      if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
      if (!result.raised) return;
      if (to) await outbox.send(to, { text: t.raised({ name, period: press.period, limit }), format: 'plain' });
      const theirs = usageTexts(await deps.localeOf(press.userId));
      if (press.userId !== me)
        await outbox.send(
          { chatId: press.userId },
          { text: theirs.userRaised({ period: press.period, limit }), format: 'plain' },
        );
      ctx.log.info({ userId: press.userId, period: press.period }, 'budget raised');
    } catch (err) {
      ctx.log.warn({ err: toError(err) }, 'budget raise failed');
      await ctx.answerCallbackQuery({ text: t.failed, show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}
