import type { Migration } from './index.ts';

/**
 * Telegram intake journal and access bookkeeping.
 * - `updates`: every accepted update, written before processing; `update_id` dedupes redeliveries.
 *   Payloads of unauthorized users are stored stripped (metadata only).
 * - `access_notices`: when a stranger was last told "this is a private assistant" (rate limit, no content).
 */
export const telegramMigration: Migration = {
  version: 4,
  name: 'telegram',
  statements: [
    `CREATE TABLE updates (
      update_id INTEGER PRIMARY KEY,
      chat_key TEXT,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','running','done','failed','ignored')),
      attempts INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    `CREATE INDEX updates_unfinished ON updates (state, update_id) WHERE state IN ('pending','running')`,
    `CREATE INDEX updates_created ON updates (created_at)`,
    `CREATE TABLE access_notices (
      user_id INTEGER PRIMARY KEY,
      last_notice_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 1
    )`,
  ],
};
