import type { Migration } from './index.ts';

/** One row per language-model call (success or failure), for usage and cost reporting. */
export const agentsMigration: Migration = {
  version: 2,
  name: 'agents',
  statements: [
    `CREATE TABLE llm_calls (
      id INTEGER PRIMARY KEY,
      ts INTEGER NOT NULL,
      model TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('generate','stream','embed')),
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      total_tokens INTEGER NOT NULL DEFAULT 0,
      ms INTEGER NOT NULL,
      ok INTEGER NOT NULL,
      error TEXT,
      attempts INTEGER NOT NULL DEFAULT 1
    )`,
    'CREATE INDEX llm_calls_ts ON llm_calls (ts)',
  ],
};
