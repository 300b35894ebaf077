/** A per-user limit in USD for one period; 0 = unlimited. */
export interface Limits {
  dailyUsd: number;
  monthlyUsd: number;
}

export type Period = 'day' | 'month';

/** Spend so far in the two periods. */
export interface Spent {
  dayUsd: number;
  monthUsd: number;
}

/** Where a user stands: `over` blocks turns; `warn` is 80 % or more of a limit. The month wins over the day. */
export interface BudgetState {
  over?: { period: Period; spentUsd: number; limitUsd: number };
  warn?: { period: Period; spentUsd: number; limitUsd: number };
}

/** Share of a limit at which the user is warned once. */
export const WARN_AT = 0.8;

function pick(spent: Spent, limits: Limits, share: number): BudgetState['over'] {
  if (limits.monthlyUsd > 0 && spent.monthUsd >= limits.monthlyUsd * share)
    return { period: 'month', spentUsd: spent.monthUsd, limitUsd: limits.monthlyUsd };
  if (limits.dailyUsd > 0 && spent.dayUsd >= limits.dailyUsd * share)
    return { period: 'day', spentUsd: spent.dayUsd, limitUsd: limits.dailyUsd };
  return undefined;
}

/** The budget state of a spend against limits. */
export function budgetState(spent: Spent, limits: Limits): BudgetState {
  const over = pick(spent, limits, 1);
  if (over) return { over };
  const warn = pick(spent, limits, WARN_AT);
  return warn ? { warn } : {};
}

/** The limit a "raise" button offers: twice the current one. */
export function raisedLimit(limitUsd: number): number {
  return Math.round(limitUsd * 2 * 1_000_000) / 1_000_000;
}
