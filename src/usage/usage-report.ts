import type { Locale } from '../i18n/locale.ts';
import type { UsagePurpose } from './attribution.ts';
import type { Limits } from './budget-rules.ts';
import type { ChartBar } from './usage-chart.ts';
import { formatTokens, formatUsd, percentOf } from './usage-format.ts';
import { lastDays, periodsAt } from './periods.ts';
import type { CallRow, UserTotals } from './usage-store.ts';
import { usageTexts } from './usage-texts.ts';

/** Tokens and cost summed. */
export interface Sum {
  tokens: number;
  usd: number;
}

/** One user's usage: today, this month (by agent and by kind) and tokens per day for the last 30 days. */
export interface UserUsage {
  today: Sum;
  month: Sum;
  byAgent: Map<string, Sum>;
  byPurpose: Map<string, Sum>;
  days: ChartBar[];
}

/** How far back the chart goes. */
export const CHART_DAYS = 30;

const add = (map: Map<string, Sum>, key: string, c: CallRow) => {
  const s = map.get(key) ?? { tokens: 0, usd: 0 };
  s.tokens += c.totalTokens;
  s.usd += c.costUsd;
  map.set(key, s);
};

/** The earliest instant the report needs: the start of the month or of the chart, whichever is earlier. */
export function reportSince(now: number, timeZone: string): number {
  return Math.min(periodsAt(now, timeZone).monthStart, lastDays(now, timeZone, CHART_DAYS)[0]?.start ?? now);
}

/** Sums a user's calls (from `reportSince`) into today, this month, the breakdowns and the daily bars. */
export function summarize(calls: CallRow[], now: number, timeZone: string): UserUsage {
  const p = periodsAt(now, timeZone);
  const days = lastDays(now, timeZone, CHART_DAYS);
  const bars: ChartBar[] = days.map((d) => ({ label: d.label, value: 0 }));
  const out: UserUsage = {
    today: { tokens: 0, usd: 0 },
    month: { tokens: 0, usd: 0 },
    byAgent: new Map(),
    byPurpose: new Map(),
    days: bars,
  };
  let day = 0;
  for (const c of calls) {
    if (c.ts >= p.monthStart) {
      out.month.tokens += c.totalTokens;
      out.month.usd += c.costUsd;
      add(out.byAgent, c.agent, c);
      add(out.byPurpose, c.purpose, c);
    }
    if (c.ts >= p.dayStart) {
      out.today.tokens += c.totalTokens;
      out.today.usd += c.costUsd;
    }
    // Calls come oldest first: move to the day that holds this one.
    while (day + 1 < days.length && c.ts >= (days[day + 1]?.start ?? Number.POSITIVE_INFINITY)) day++;
    const bar = bars[day];
    if (bar && c.ts >= (days[0]?.start ?? 0)) bar.value += c.totalTokens;
  }
  return out;
}

function purposeName(purpose: string, t: ReturnType<typeof usageTexts>): string {
  const names: Record<UsagePurpose, string> = {
    chat: t.purposeChat,
    scheduled: t.purposeScheduled,
    memory: t.purposeMemory,
    other: t.purposeOther,
  };
  return names[purpose as UsagePurpose] ?? purpose;
}

function sorted(map: Map<string, Sum>): [string, Sum][] {
  return [...map.entries()].sort((a, b) => b[1].tokens - a[1].tokens);
}

/** The /usage text of one user. */
export function renderUserUsage(u: UserUsage, limits: Limits, locale: Locale, pricesCheckedAt: string): string {
  const t = usageTexts(locale);
  const tok = (n: number) => formatTokens(n, locale);
  const lines = [
    t.title,
    '',
    t.today({ n: u.today.tokens, tokens: tok(u.today.tokens), cost: formatUsd(u.today.usd) }),
  ];
  if (limits.dailyUsd > 0)
    lines.push(t.limit({ limit: formatUsd(limits.dailyUsd), percent: percentOf(u.today.usd, limits.dailyUsd) }));
  lines.push(t.month({ n: u.month.tokens, tokens: tok(u.month.tokens), cost: formatUsd(u.month.usd) }));
  if (limits.monthlyUsd > 0)
    lines.push(t.limit({ limit: formatUsd(limits.monthlyUsd), percent: percentOf(u.month.usd, limits.monthlyUsd) }));
  if (u.month.tokens === 0 && u.month.usd === 0) {
    lines.push('', t.nothingYet);
  } else {
    lines.push('', t.byAgent);
    for (const [agent, s] of sorted(u.byAgent))
      lines.push(t.line({ name: agent || t.noAgent, n: s.tokens, tokens: tok(s.tokens), cost: formatUsd(s.usd) }));
    lines.push('', t.byPurpose);
    for (const [purpose, s] of sorted(u.byPurpose))
      lines.push(t.line({ name: purposeName(purpose, t), n: s.tokens, tokens: tok(s.tokens), cost: formatUsd(s.usd) }));
  }
  lines.push('', t.pricesNote({ date: pricesCheckedAt }));
  return lines.join('\n');
}

/** The owner's /usage all text: every user this month and today, with their limits. */
export function renderAllUsage(rows: { totals: UserTotals; name: string; limits?: Limits }[], locale: Locale): string {
  const t = usageTexts(locale);
  const tok = (n: number) => formatTokens(n, locale);
  const limit = (usd: number) => (usd > 0 ? formatUsd(usd) : t.unlimited);
  const lines = [t.allTitle, ''];
  if (rows.length === 0) lines.push(t.nothingYet);
  for (const { totals, name, limits } of rows) {
    lines.push(
      t.allLine({
        name: totals.userId === null ? t.nobody : name,
        n: totals.monthTokens,
        tokens: tok(totals.monthTokens),
        cost: formatUsd(totals.monthUsd),
        dayTokens: tok(totals.dayTokens),
        dayCost: formatUsd(totals.dayUsd),
      }),
    );
    if (limits && (limits.dailyUsd > 0 || limits.monthlyUsd > 0))
      lines.push(t.allLimits({ daily: limit(limits.dailyUsd), monthly: limit(limits.monthlyUsd) }));
  }
  lines.push('', t.limitHelp);
  return lines.join('\n');
}
