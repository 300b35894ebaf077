import type { Migration } from './index.ts';

/**
 * Ownership of unfinished journal rows, so several instances on one database never run the same update twice.
 * - `updates.owner` / `updates.lease_until`: the instance processing a row and until when (epoch ms) its claim holds;
 *   the owner's heartbeat extends it. Rows from before this migration have no owner and lease 0 (claimable).
 * - `journal_instances`: one row per running process (its host identity and pid), refreshed by the heartbeat and
 *   deleted on a clean stop; lets a restarted process on the same machine see at once that an owner is dead.
 */
export const journalLeaseMigration: Migration = {
  version: 8,
  name: 'journal-lease',
  statements: [
    'ALTER TABLE updates ADD COLUMN owner TEXT',
    'ALTER TABLE updates ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0',
    `CREATE TABLE journal_instances (
      id TEXT PRIMARY KEY,
      host TEXT,
      pid INTEGER NOT NULL,
      started_at INTEGER NOT NULL,
      heartbeat_at INTEGER NOT NULL
    )`,
  ],
};
