import type { Row, Store } from '../store/db.ts';

/** One recorded call of a user, as the report needs it. */
export interface CallRow {
  ts: number;
  agent: string;
  purpose: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  totalTokens: number;
  costUsd: number;
}

/** A user's totals over two periods (today and this month). */
export interface UserTotals {
  userId: number | null;
  dayTokens: number;
  dayUsd: number;
  monthTokens: number;
  monthUsd: number;
}

/** The owner's limits for a user (null = the configured default) and the warnings already sent. */
export interface BudgetRow {
  dailyUsd: number | null;
  monthlyUsd: number | null;
  warnedDay: string | null;
  warnedMonth: string | null;
  blockedDay: string | null;
  blockedMonth: string | null;
}

export type MarkerColumn = 'warned_day' | 'warned_month' | 'blocked_day' | 'blocked_month';

const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v == null ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v == null ? null : String(v));

function totalsOf(r: Row): UserTotals {
  return {
    userId: numOrNull(r.user_id),
    dayTokens: num(r.day_tokens),
    dayUsd: num(r.day_usd),
    monthTokens: num(r.month_tokens),
    monthUsd: num(r.month_usd),
  };
}

/** The SQL of usage and budgets (`llm_calls` columns of migration 025 and `usage_budgets`). */
export function createUsageStore(store: Store) {
  return {
    /** A user's spend since `monthStart` and since `dayStart` (one indexed range scan on (user_id, ts)). */
    async spend(userId: number, dayStart: number, monthStart: number): Promise<{ dayUsd: number; monthUsd: number }> {
      const r = await store.get(
        `SELECT SUM(CASE WHEN ts >= ? THEN cost_usd ELSE 0 END) AS day_usd, SUM(cost_usd) AS month_usd
         FROM llm_calls WHERE user_id = ? AND ts >= ?`,
        [dayStart, userId, monthStart],
      );
      return { dayUsd: num(r?.day_usd), monthUsd: num(r?.month_usd) };
    },

    /** A user's calls since `since`, oldest first. */
    async calls(userId: number, since: number): Promise<CallRow[]> {
      const rows = await store.query(
        `SELECT ts, agent, purpose, input_tokens, output_tokens, cached_tokens, total_tokens, cost_usd
         FROM llm_calls WHERE user_id = ? AND ts >= ? ORDER BY ts`,
        [userId, since],
      );
      return rows.map((r) => ({
        ts: num(r.ts),
        agent: r.agent == null ? '' : String(r.agent),
        purpose: String(r.purpose ?? 'other'),
        inputTokens: num(r.input_tokens),
        outputTokens: num(r.output_tokens),
        cachedTokens: num(r.cached_tokens),
        totalTokens: num(r.total_tokens),
        costUsd: num(r.cost_usd),
      }));
    },

    /** Every user's totals (null: calls nobody asked for), biggest spender this month first. */
    async allTotals(dayStart: number, monthStart: number): Promise<UserTotals[]> {
      const rows = await store.query(
        `SELECT user_id,
           SUM(CASE WHEN ts >= ? THEN total_tokens ELSE 0 END) AS day_tokens,
           SUM(CASE WHEN ts >= ? THEN cost_usd ELSE 0 END) AS day_usd,
           SUM(total_tokens) AS month_tokens, SUM(cost_usd) AS month_usd
         FROM llm_calls WHERE ts >= ? GROUP BY user_id ORDER BY month_usd DESC`,
        [dayStart, dayStart, monthStart],
      );
      return rows.map(totalsOf);
    },

    async budget(userId: number): Promise<BudgetRow | undefined> {
      const r = await store.get(
        `SELECT daily_usd, monthly_usd, warned_day, warned_month, blocked_day, blocked_month
         FROM usage_budgets WHERE user_id = ?`,
        [userId],
      );
      if (!r) return undefined;
      return {
        dailyUsd: numOrNull(r.daily_usd),
        monthlyUsd: numOrNull(r.monthly_usd),
        warnedDay: strOrNull(r.warned_day),
        warnedMonth: strOrNull(r.warned_month),
        blockedDay: strOrNull(r.blocked_day),
        blockedMonth: strOrNull(r.blocked_month),
      };
    },

    /** Sets the owner's limit for one period (null: back to the default). */
    async setLimit(userId: number, period: 'day' | 'month', usd: number | null, now: number): Promise<void> {
      const column = period === 'day' ? 'daily_usd' : 'monthly_usd';
      await store.run(
        `INSERT INTO usage_budgets (user_id, ${column}, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`,
        [userId, usd, now],
      );
    },

    /**
     * Records that a notice of `column` was sent for period `key`; true only for the first caller (across
     * processes), so each warning goes out once per period.
     */
    async mark(userId: number, column: MarkerColumn, key: string, now: number): Promise<boolean> {
      const r = await store.run(
        `INSERT INTO usage_budgets (user_id, ${column}, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at
         WHERE usage_budgets.${column} IS NULL OR usage_budgets.${column} <> excluded.${column}`,
        [userId, key, now],
      );
      return r.changes > 0;
    },
  };
}

export type UsageStore = ReturnType<typeof createUsageStore>;
