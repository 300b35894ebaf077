import type { Migration } from './index.ts';

/**
 * Conversation memory: threads, messages, message vectors (int8, per recall scope), user facts, tombstones of
 * forgotten facts, extraction watermarks, the last turn's "used" set for /why, and pending confirmations.
 * A scope is `u:<userId>` for private chats and `g:<chatId>:u:<userId>` for groups.
 */
export const memoryMigration: Migration = {
  version: 5,
  name: 'memory',
  statements: [
    `CREATE TABLE memory_threads (
      id TEXT PRIMARY KEY,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER NOT NULL DEFAULT 0,
      summary TEXT,
      summary_upto INTEGER NOT NULL DEFAULT 0,
      summary_tokens INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    'CREATE INDEX memory_threads_chat ON memory_threads (chat_id, topic_id)',
    `CREATE TABLE memory_active_threads (
      chat_id INTEGER NOT NULL,
      topic_id INTEGER NOT NULL,
      thread_id TEXT NOT NULL,
      PRIMARY KEY (chat_id, topic_id)
    ) WITHOUT ROWID`,
    `CREATE TABLE memory_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      thread_id TEXT NOT NULL,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER NOT NULL DEFAULT 0,
      user_id INTEGER NOT NULL,
      user_name TEXT,
      scope TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('user', 'model')),
      text TEXT NOT NULL,
      contents TEXT,
      tokens INTEGER NOT NULL,
      turn_id TEXT NOT NULL,
      embed_state INTEGER NOT NULL DEFAULT 0,
      embed_attempts INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      UNIQUE (turn_id, role)
    )`,
    'CREATE INDEX memory_messages_thread ON memory_messages (thread_id, id)',
    'CREATE INDEX memory_messages_scope ON memory_messages (scope, id)',
    'CREATE INDEX memory_messages_user ON memory_messages (user_id)',
    'CREATE INDEX memory_messages_pending ON memory_messages (embed_state, id) WHERE embed_state = 0',
    `CREATE TABLE memory_vectors (
      scope TEXT NOT NULL,
      message_id INTEGER NOT NULL,
      vec BLOB NOT NULL,
      PRIMARY KEY (scope, message_id)
    ) WITHOUT ROWID`,
    `CREATE TABLE memory_facts (
      id TEXT PRIMARY KEY,
      scope TEXT NOT NULL,
      user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      text TEXT NOT NULL,
      category TEXT NOT NULL,
      confidence REAL NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('extracted', 'explicit')),
      source_message_id INTEGER,
      embedding BLOB,
      created_at INTEGER NOT NULL,
      confirmed_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      superseded_by TEXT,
      superseded_at INTEGER
    )`,
    'CREATE INDEX memory_facts_scope ON memory_facts (scope, superseded_at)',
    'CREATE INDEX memory_facts_user ON memory_facts (user_id)',
    `CREATE TABLE memory_tombstones (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      scope TEXT NOT NULL,
      user_id INTEGER NOT NULL,
      text TEXT NOT NULL,
      embedding BLOB,
      created_at INTEGER NOT NULL
    )`,
    'CREATE INDEX memory_tombstones_scope ON memory_tombstones (scope)',
    `CREATE TABLE memory_scopes (
      scope TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      extracted_upto INTEGER NOT NULL DEFAULT 0,
      updated_at INTEGER NOT NULL
    )`,
    `CREATE TABLE memory_last_used (
      chat_id INTEGER NOT NULL,
      topic_id INTEGER NOT NULL,
      user_id INTEGER NOT NULL,
      turn_id TEXT NOT NULL,
      fact_ids TEXT NOT NULL,
      message_ids TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (chat_id, topic_id)
    ) WITHOUT ROWID`,
    `CREATE TABLE memory_pending_actions (
      id TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`,
  ],
};
