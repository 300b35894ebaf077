import type { Migration } from './index.ts';

/**
 * "Always allow" grants scoped to one user, one tool and one target (a host, or an argument value) instead of a whole
 * chat. The old per-chat grants are dropped (they can't be narrowed to a target): users are asked once more.
 * `approvals.grant_target` keeps the target shown on the prompt's button, so a grant covers exactly what was shown.
 * `id` is AUTOINCREMENT so a revoke button never names a later grant that reused the id.
 */
export const approvalGrantsMigration: Migration = {
  version: 13,
  name: 'approval-grants',
  statements: [
    'DROP TABLE IF EXISTS approval_grants',
    `CREATE TABLE approval_grants (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user_id INTEGER NOT NULL,
      tool TEXT NOT NULL,
      target TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      granted_by INTEGER NOT NULL,
      chat_id INTEGER,
      approval_id TEXT,
      UNIQUE (user_id, tool, target)
    )`,
    'ALTER TABLE approvals ADD COLUMN grant_target TEXT',
  ],
};
