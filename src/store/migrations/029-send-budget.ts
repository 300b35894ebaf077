import type { Migration } from './index.ts';

/**
 * Telegram's send budget shared by several instances on one remote database (src/telegram/send-budget.ts): one row
 * per budget (`global`, `chat:<id>`) holding the earliest database time (ms) its next message may go out. Rows of
 * idle chats are pruned after an hour.
 */
export const sendBudgetMigration: Migration = {
  version: 29,
  name: 'send-budget',
  statements: [
    `CREATE TABLE IF NOT EXISTS send_budget (
      key TEXT PRIMARY KEY,
      next_at REAL NOT NULL
    )`,
  ],
};
