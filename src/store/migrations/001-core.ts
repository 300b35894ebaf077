import type { Migration } from './index.ts';

/** Users, chats and per-user settings. Timestamps are epoch milliseconds (UTC). */
export const coreMigration: Migration = {
  version: 1,
  name: 'core',
  statements: [
    `CREATE TABLE users (
      id INTEGER PRIMARY KEY,
      first_name TEXT,
      username TEXT,
      timezone TEXT,
      access TEXT NOT NULL DEFAULT 'unknown' CHECK (access IN ('unknown','owner','allowed','pending','denied','revoked')),
      settings TEXT NOT NULL DEFAULT '{}',
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    `CREATE TABLE chats (
      id INTEGER PRIMARY KEY,
      type TEXT NOT NULL,
      title TEXT,
      active INTEGER NOT NULL DEFAULT 1,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  ],
};
