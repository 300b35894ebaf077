import type { Migration } from './index.ts';

/**
 * Scheduled jobs and their runs. `job_runs (job_id, scheduled_for)` is unique: every occurrence is claimed by
 * inserting its row before it runs, so restarts and several instances never fire one twice.
 */
export const schedulerMigration: Migration = {
  version: 6,
  name: 'scheduler',
  statements: [
    `CREATE TABLE jobs (
      id TEXT PRIMARY KEY,
      owner_user_id INTEGER NOT NULL,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER,
      chat_type TEXT NOT NULL DEFAULT 'private',
      kind TEXT NOT NULL CHECK (kind IN ('reminder','prompt')),
      text TEXT NOT NULL,
      schedule TEXT NOT NULL,
      timezone TEXT NOT NULL,
      enabled INTEGER NOT NULL DEFAULT 1,
      next_run_at INTEGER,
      last_run_at INTEGER,
      last_status TEXT,
      last_error TEXT,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      missed_policy TEXT NOT NULL DEFAULT 'run_once_within_grace'
        CHECK (missed_policy IN ('skip','run_once_within_grace','notify')),
      grace_ms INTEGER NOT NULL DEFAULT 3600000,
      paused_reason TEXT,
      origin TEXT,
      completed_at INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    'CREATE INDEX jobs_due ON jobs (next_run_at) WHERE enabled = 1',
    'CREATE INDEX jobs_owner_chat ON jobs (owner_user_id, chat_id)',
    'CREATE INDEX jobs_chat ON jobs (chat_id)',
    'CREATE UNIQUE INDEX jobs_origin ON jobs (origin) WHERE origin IS NOT NULL',
    `CREATE TABLE job_runs (
      job_id TEXT NOT NULL,
      scheduled_for INTEGER NOT NULL,
      trigger TEXT NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule','late','manual','missed_notice')),
      claimed_by TEXT,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      attention_at INTEGER,
      started_at INTEGER,
      finished_at INTEGER,
      error TEXT,
      message_id INTEGER,
      result TEXT,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (job_id, scheduled_for)
    )`,
    `CREATE INDEX job_runs_attention ON job_runs (attention_at) WHERE status IN ('claimed','retry')`,
  ],
};
