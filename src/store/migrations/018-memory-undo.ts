import type { Migration } from './index.ts';

/**
 * Undo for forgotten facts and plain-language /why:
 * - `memory_facts.deleted_at`: a fact the user forgot is hidden at once (and tombstoned) but kept for the Undo
 *   window; memory maintenance deletes it for good after that.
 * - `memory_last_used.activity`: what the last answer did besides memory (tools with a short target, files the user
 *   sent, web pages), JSON, for /why. No tool arguments.
 */
export const memoryUndoMigration: Migration = {
  version: 18,
  name: 'memory-undo',
  statements: [
    'ALTER TABLE memory_facts ADD COLUMN deleted_at INTEGER',
    'CREATE INDEX memory_facts_deleted ON memory_facts (deleted_at) WHERE deleted_at IS NOT NULL',
    'ALTER TABLE memory_last_used ADD COLUMN activity TEXT',
  ],
};
