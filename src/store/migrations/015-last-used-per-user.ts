import type { Migration } from './index.ts';

/**
 * `/why` data per user: in a group each member's last answer is kept (keyed by chat, topic and user) instead of
 * only the chat's very last one, so /why shows the asker's own answer and never another member's.
 */
export const lastUsedPerUserMigration: Migration = {
  version: 15,
  name: 'last-used-per-user',
  statements: [
    `CREATE TABLE memory_last_used_v2 (
      chat_id INTEGER NOT NULL,
      topic_id INTEGER NOT NULL,
      user_id INTEGER NOT NULL,
      turn_id TEXT NOT NULL,
      fact_ids TEXT NOT NULL,
      message_ids TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (chat_id, topic_id, user_id)
    ) WITHOUT ROWID`,
    `INSERT INTO memory_last_used_v2 (chat_id, topic_id, user_id, turn_id, fact_ids, message_ids, created_at)
     SELECT chat_id, topic_id, user_id, turn_id, fact_ids, message_ids, created_at FROM memory_last_used`,
    'DROP TABLE memory_last_used',
    'ALTER TABLE memory_last_used_v2 RENAME TO memory_last_used',
  ],
};
