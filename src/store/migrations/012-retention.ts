import type { Migration } from './index.ts';

/**
 * Storage that doesn't grow forever, and a /wipe that finds everything:
 * - `attachments`: a file's bytes once, keyed by the SHA-256 of its content, for suspended runs that reference it
 *   (`attachment:sha256:<hex>` in place of inline base64). `attachment_refs` says which run needs which file; bytes
 *   nobody references any more are deleted by the pruner.
 * - `updates.user_id`: the sender of a journaled update, so /wipe and /export find the user's raw updates by index.
 *   Rows journaled before this migration have NULL and are matched by their payload.
 */
export const retentionMigration: Migration = {
  version: 12,
  name: 'retention',
  statements: [
    `CREATE TABLE attachments (
      hash TEXT PRIMARY KEY,
      bytes INTEGER NOT NULL,
      data BLOB NOT NULL,
      created_at INTEGER NOT NULL
    )`,
    `CREATE TABLE attachment_refs (
      run_id TEXT NOT NULL,
      hash TEXT NOT NULL,
      user_id INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (run_id, hash)
    ) WITHOUT ROWID`,
    'CREATE INDEX attachment_refs_hash ON attachment_refs (hash)',
    'CREATE INDEX attachment_refs_user ON attachment_refs (user_id)',
    'ALTER TABLE updates ADD COLUMN user_id INTEGER',
    'CREATE INDEX updates_user ON updates (user_id) WHERE user_id IS NOT NULL',
    'CREATE INDEX approval_runs_user ON approval_runs (user_id)',
    "CREATE INDEX approval_runs_settled ON approval_runs (updated_at) WHERE status IN ('done','failed')",
    'CREATE INDEX run_events_at ON run_events (at)',
    "CREATE INDEX job_runs_finished ON job_runs (created_at) WHERE status NOT IN ('claimed','retry')",
  ],
};
