import type { Migration } from './index.ts';

/**
 * The "this is a private assistant" notice is rate-limited per user AND chat: a stranger told so in one group (or in
 * the private chat) still hears it once in another group, where the earlier notice is not visible. Existing rows
 * were private-chat notices, whose chat id is the user id. A rowid table: the pruner deletes in rowid batches.
 */
export const accessNoticesPerChatMigration: Migration = {
  version: 20,
  name: 'access-notices-per-chat',
  statements: [
    `CREATE TABLE access_notices_v2 (
      user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL DEFAULT 0,
      last_notice_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 1,
      PRIMARY KEY (user_id, chat_id)
    )`,
    `INSERT INTO access_notices_v2 (user_id, chat_id, last_notice_at, attempts)
     SELECT user_id, user_id, last_notice_at, attempts FROM access_notices`,
    'DROP TABLE access_notices',
    'ALTER TABLE access_notices_v2 RENAME TO access_notices',
    'CREATE INDEX access_notices_at ON access_notices (last_notice_at)',
  ],
};
