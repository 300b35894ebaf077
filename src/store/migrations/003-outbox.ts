import type { Migration } from './index.ts';

/**
 * Outbound deliveries keyed by the caller's dedupe key, so a repeated send (crash and resume, scheduler retry)
 * returns the recorded delivery instead of posting twice. The row is written after every chunk Telegram confirms
 * (`chunks_done` of `parts`), so a send interrupted by a crash resumes after the last confirmed chunk.
 */
export const outboxMigration: Migration = {
  version: 3,
  name: 'outbox',
  statements: [
    `CREATE TABLE outbox_deliveries (
      dedupe_key TEXT PRIMARY KEY,
      chat_id INTEGER NOT NULL,
      message_ids TEXT NOT NULL DEFAULT '[]',
      parts INTEGER NOT NULL DEFAULT 0,
      chunks_done INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    'CREATE INDEX outbox_deliveries_created ON outbox_deliveries (created_at)',
  ],
};
