import type { Migration } from './index.ts';

/**
 * Access decisions that settle for good (issue 11).
 * - `users.access_version`: bumped on every access change; buttons carry it, so an older prompt or /users list
 *   can't undo a newer decision. `users.access_changed_at`: when the state last changed (a pending request's age).
 * - `access_prompts`: every Approve/Deny prompt sent to the owner, so a decision elsewhere removes its buttons.
 * - `owner_pairing`: the hash of the one-time code that claims an unowned bot (never the code itself).
 */
export const accessMigration: Migration = {
  version: 11,
  name: 'access',
  statements: [
    'ALTER TABLE users ADD COLUMN access_version INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE users ADD COLUMN access_changed_at INTEGER',
    `CREATE TABLE access_prompts (
      user_id INTEGER NOT NULL,
      version INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      message_id INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (chat_id, message_id)
    )`,
    'CREATE INDEX access_prompts_user ON access_prompts (user_id)',
    `CREATE TABLE owner_pairing (
      code_hash TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL
    )`,
  ],
};
