import type { Migration } from './index.ts';

/**
 * Memory at scale:
 * - a partial index that returns a scope's active facts already in (created_at, id) order (no temp B-tree);
 * - partial indexes for the maintenance scans (facts without embeddings, extracted facts by age);
 * - a per-scope fact version bumped by triggers on every insert, update and delete of `memory_facts`, so an
 *   in-process fact cache can tell with one primary-key read whether any process changed the scope's facts.
 *   Version rows are never deleted (a counter restarting at 1 could match a stale cached version).
 */
export const memoryIndexesMigration: Migration = {
  version: 9,
  name: 'memory-indexes',
  statements: [
    'CREATE INDEX memory_facts_active ON memory_facts (scope, created_at, id) WHERE superseded_at IS NULL',
    'CREATE INDEX memory_facts_unembedded ON memory_facts (id) WHERE embedding IS NULL',
    "CREATE INDEX memory_facts_decay ON memory_facts (confirmed_at) WHERE source = 'extracted'",
    `CREATE TABLE memory_fact_versions (
      scope TEXT PRIMARY KEY,
      version INTEGER NOT NULL
    ) WITHOUT ROWID`,
    `CREATE TRIGGER memory_facts_version_insert AFTER INSERT ON memory_facts BEGIN
      INSERT OR IGNORE INTO memory_fact_versions (scope, version) VALUES (NEW.scope, 0);
      UPDATE memory_fact_versions SET version = version + 1 WHERE scope = NEW.scope;
    END`,
    `CREATE TRIGGER memory_facts_version_update AFTER UPDATE ON memory_facts BEGIN
      INSERT OR IGNORE INTO memory_fact_versions (scope, version) VALUES (NEW.scope, 0);
      UPDATE memory_fact_versions SET version = version + 1 WHERE scope = NEW.scope OR scope = OLD.scope;
    END`,
    `CREATE TRIGGER memory_facts_version_delete AFTER DELETE ON memory_facts BEGIN
      INSERT OR IGNORE INTO memory_fact_versions (scope, version) VALUES (OLD.scope, 0);
      UPDATE memory_fact_versions SET version = version + 1 WHERE scope = OLD.scope;
    END`,
    `INSERT INTO memory_fact_versions (scope, version) SELECT DISTINCT scope, 1 FROM memory_facts`,
  ],
};
