import type { Migration } from './index.ts';

/**
 * Workflow runs (config/workflows/*.json) and their event log, after Opcode's design: every state change of a run is
 * an event with a strict per-run sequence (`PRIMARY KEY (run_id, seq)`, no gaps), appended in the same transaction
 * that advances `workflow_runs.last_seq`. A run resumes from its log after a crash; `lease_owner` / `lease_until`
 * keep two processes from running it at once. `workflow_decisions` holds a tool step waiting for Approve/Deny
 * (first writer wins on `status = 'pending'`).
 */
export const workflowsMigration: Migration = {
  version: 28,
  name: 'workflows',
  statements: [
    `CREATE TABLE workflow_runs (
      id TEXT PRIMARY KEY,
      workflow TEXT NOT NULL,
      user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER,
      chat_type TEXT NOT NULL,
      timezone TEXT NOT NULL,
      locale TEXT NOT NULL DEFAULT 'en',
      turn_id TEXT NOT NULL,
      params TEXT NOT NULL,
      definition TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'suspended', 'done', 'failed')),
      last_seq INTEGER NOT NULL DEFAULT 0,
      lease_owner TEXT,
      lease_until INTEGER,
      message_id INTEGER,
      error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      finished_at INTEGER
    )`,
    `CREATE INDEX workflow_runs_unfinished ON workflow_runs (lease_until) WHERE status = 'running'`,
    'CREATE INDEX workflow_runs_user ON workflow_runs (user_id, created_at)',
    `CREATE INDEX workflow_runs_finished ON workflow_runs (finished_at) WHERE finished_at IS NOT NULL`,
    `CREATE TABLE workflow_events (
      run_id TEXT NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL CHECK (seq >= 1),
      step TEXT,
      type TEXT NOT NULL CHECK (type IN ('run_started', 'run_resumed', 'step_started', 'step_completed',
        'step_failed', 'step_interrupted', 'approval_requested', 'approval_resolved', 'run_suspended', 'run_done',
        'run_failed')),
      data TEXT,
      at INTEGER NOT NULL,
      PRIMARY KEY (run_id, seq)
    )`,
    `CREATE TABLE workflow_decisions (
      run_id TEXT NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      step TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
      tool TEXT NOT NULL,
      summary TEXT NOT NULL,
      chat_id INTEGER NOT NULL,
      message_id INTEGER,
      timeout_at INTEGER NOT NULL,
      fallback TEXT NOT NULL CHECK (fallback IN ('approve', 'deny')),
      resolved_by INTEGER,
      resolved_at INTEGER,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (run_id, seq),
      UNIQUE (run_id, step)
    )`,
  ],
};
