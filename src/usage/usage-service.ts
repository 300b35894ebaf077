import type { Clock } from '../core/clock.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Limits, Period } from './budget-rules.ts';
import type { Budgets } from './budgets.ts';
import { periodsAt } from './periods.ts';
import type { PricingConfig } from './pricing.ts';
import { type RaisePress, fromMicros } from './usage-buttons.ts';
import { renderUsageChart } from './usage-chart.ts';
import { renderAllUsage, renderUserUsage, reportSince, summarize } from './usage-report.ts';
import type { UsageStore } from './usage-store.ts';
import { usageTexts } from './usage-texts.ts';

/** What /usage shows and changes (the Telegram feature's port). */
export interface UsageService {
  /** The user's report: text and a PNG chart of tokens per day (last 30 days). */
  report(userId: number, locale: Locale): Promise<{ text: string; chart: Uint8Array }>;
  /** Every user's totals this month and today (the owner's /usage all). */
  reportAll(locale: Locale, viewerId: number): Promise<string>;
  /** The owner sets a user's limit (null: the configured default). */
  setLimit(userId: number, period: Period, usd: number | null): Promise<Limits>;
  /** A "Raise to …" press: raises the limit unless it is already at least that high. */
  raise(press: RaisePress): Promise<{ raised: boolean; limitUsd: number }>;
}

export interface UsageServiceDeps {
  usage: UsageStore;
  budgets: Budgets;
  pricing: PricingConfig;
  clock: Clock;
  timezoneOf: (userId: number) => Promise<string>;
  nameOf: (userId: number) => Promise<string>;
  /** Writes recorded calls still queued, so a report includes the turn that just ended. */
  flush: () => Promise<void>;
  /** Font files for the chart besides the system's. */
  fontFiles?: string[];
}

/** Creates the /usage service over the usage store and the budgets. */
export function createUsageService(deps: UsageServiceDeps): UsageService {
  const { usage, budgets, clock } = deps;
  return {
    async report(userId, locale) {
      await deps.flush();
      const now = clock.now();
      const zone = await deps.timezoneOf(userId);
      const summary = summarize(await usage.calls(userId, reportSince(now, zone)), now, zone);
      const limits = await budgets.limitsOf(userId);
      const text = renderUserUsage(summary, limits, locale, deps.pricing.checkedAt);
      const chart = await renderUsageChart(summary.days, {
        title: usageTexts(locale).chartCaption,
        ...(deps.fontFiles ? { fontFiles: deps.fontFiles } : {}),
      });
      return { text, chart };
    },

    async reportAll(locale, viewerId) {
      await deps.flush();
      const now = clock.now();
      // Everyone's day and month as the viewer (the owner) counts them.
      const p = periodsAt(now, await deps.timezoneOf(viewerId));
      const totals = await usage.allTotals(p.dayStart, p.monthStart);
      const rows = [];
      for (const t of totals) {
        if (t.userId === null) {
          rows.push({ totals: t, name: '' });
          continue;
        }
        rows.push({ totals: t, name: await deps.nameOf(t.userId), limits: await budgets.limitsOf(t.userId) });
      }
      return renderAllUsage(rows, locale);
    },

    async setLimit(userId, period, usd) {
      await budgets.setLimit(userId, period, usd);
      return budgets.limitsOf(userId);
    },

    async raise(press) {
      const target = fromMicros(press.micros);
      const limits = await budgets.limitsOf(press.userId);
      const current = press.period === 'day' ? limits.dailyUsd : limits.monthlyUsd;
      // 0 is "no limit": already higher than any number.
      if (current === 0 || current >= target) return { raised: false, limitUsd: current };
      await budgets.setLimit(press.userId, press.period, target);
      return { raised: true, limitUsd: target };
    },
  };
}
