import type { Migration } from './index.ts';

/**
 * Background tasks (src/tasks): one row per task a user started from chat ("dig into this and get back to me"). A
 * running task is claimed by one instance under a lease (`claimed_by`, `lease_until`, heartbeated), so after a crash
 * another instance (or the next start) takes it over; `attempts` counts the tries. The result is kept until it was
 * posted (`delivered`), so a crash between finishing and posting still posts it once.
 */
export const tasksMigration: Migration = {
  version: 30,
  name: 'tasks',
  statements: [
    `CREATE TABLE IF NOT EXISTS tasks (
      id TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER,
      chat_type TEXT NOT NULL,
      request_message_id INTEGER,
      title TEXT NOT NULL,
      description TEXT NOT NULL,
      timezone TEXT NOT NULL,
      locale TEXT,
      untrusted INTEGER NOT NULL DEFAULT 1,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'done', 'failed', 'cancelled')),
      attempts INTEGER NOT NULL DEFAULT 0,
      claimed_by TEXT,
      lease_until INTEGER,
      result TEXT,
      error TEXT,
      delivered INTEGER NOT NULL DEFAULT 0,
      result_message_id INTEGER,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      updated_at INTEGER NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (status, created_at)',
    'CREATE INDEX IF NOT EXISTS tasks_by_user ON tasks (user_id, status, created_at)',
  ],
};
