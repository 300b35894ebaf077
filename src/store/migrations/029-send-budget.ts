import type { Migration } from './index.ts';

/**
 * Telegram's send budget shared by several instances on one remote database (src/telegram/send-budget.ts):
 * `chat:<id>` rows hold the earliest database time (ms) the chat's next message may go out and the batch of claims
 * that took it; `instance:<id>` rows
 * hold the global tokens (messages per second) an instance holds and asks for, leased until `next_at`. Rows are
 * pruned an hour after their time.
 */
export const sendBudgetMigration: Migration = {
  version: 29,
  name: 'send-budget',
  statements: [
    `CREATE TABLE IF NOT EXISTS send_budget (
      key TEXT PRIMARY KEY,
      next_at REAL NOT NULL,
      tokens INTEGER NOT NULL DEFAULT 0,
      want INTEGER NOT NULL DEFAULT 0,
      claim TEXT
    )`,
  ],
};
