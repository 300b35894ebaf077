import type { Migration } from './index.ts';

/**
 * Per-user usage and budgets. Each `llm_calls` row names whom it was for (`user_id`, NULL for work nobody asked
 * for), which agent made it, what for (`purpose`: chat, scheduled, memory, other), the cached input tokens and the
 * cost in USD at the prices of the day. `usage_budgets` holds the owner's per-user limits (NULL = the configured
 * default) and the period keys of the warnings already sent, so a restart never sends one twice. The index covers
 * `cost_usd` so a user's spend is summed from the index alone (0.24 ms instead of 6.5 ms for a month among 100k
 * calls: `npm run bench -- usage`).
 */
export const usageBudgetsMigration: Migration = {
  version: 25,
  name: 'usage-budgets',
  statements: [
    'ALTER TABLE llm_calls ADD COLUMN user_id INTEGER',
    'ALTER TABLE llm_calls ADD COLUMN agent TEXT',
    "ALTER TABLE llm_calls ADD COLUMN purpose TEXT NOT NULL DEFAULT 'other'",
    'ALTER TABLE llm_calls ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE llm_calls ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0',
    'CREATE INDEX llm_calls_user_ts ON llm_calls (user_id, ts, cost_usd)',
    `CREATE TABLE usage_budgets (
      user_id INTEGER PRIMARY KEY,
      daily_usd REAL,
      monthly_usd REAL,
      warned_day TEXT,
      warned_month TEXT,
      blocked_day TEXT,
      blocked_month TEXT,
      updated_at INTEGER NOT NULL
    )`,
  ],
};
