import type { Migration } from './index.ts';

/**
 * Skills (issue 17): named procedures a user saved, in a private chat or in a group (scope: the owner and the chat).
 * - `skills`: name (unique per owner and chat, case-insensitive through `name_key`), description, instructions,
 *   the agent and tools it needs (JSON) and the description's int8 embedding (src/vectors; NULL until embedded).
 * - `skill_drafts`: a guided `/skills new` (or an edit) waiting for the person's next message in that chat.
 * - `jobs.target`: what a scheduled job runs besides its text (a skill or a workflow), JSON, checked with zod on read.
 */
export const skillsMigration: Migration = {
  version: 27,
  name: 'skills',
  statements: [
    `CREATE TABLE IF NOT EXISTS skills (
      id TEXT PRIMARY KEY,
      owner_user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      name TEXT NOT NULL,
      name_key TEXT NOT NULL,
      description TEXT NOT NULL,
      instructions TEXT NOT NULL,
      agent TEXT,
      tools TEXT,
      embedding BLOB,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    'CREATE UNIQUE INDEX IF NOT EXISTS skills_scope_name ON skills (owner_user_id, chat_id, name_key)',
    'CREATE INDEX IF NOT EXISTS skills_scope ON skills (owner_user_id, chat_id)',
    `CREATE TABLE IF NOT EXISTS skill_drafts (
      user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      step TEXT NOT NULL CHECK (step IN ('name', 'description', 'instructions')),
      skill_id TEXT,
      name TEXT,
      description TEXT,
      expires_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (user_id, chat_id)
    )`,
    'ALTER TABLE jobs ADD COLUMN target TEXT',
  ],
};
