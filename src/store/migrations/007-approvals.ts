import type { Migration } from './index.ts';

/**
 * Human-in-the-loop: suspended runs, their pending approvals/questions, every prompt copy sent,
 * "always allow in this chat" grants, and the append-only per-run event log. Timestamps are epoch ms.
 */
export const approvalsMigration: Migration = {
  version: 7,
  name: 'approvals',
  statements: [
    `CREATE TABLE approval_runs (
      id TEXT PRIMARY KEY,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER,
      user_id INTEGER NOT NULL,
      origin TEXT NOT NULL,
      request TEXT NOT NULL,
      suspension TEXT NOT NULL,
      round INTEGER NOT NULL DEFAULT 1,
      status TEXT NOT NULL CHECK (status IN ('waiting','resuming','done','failed')),
      lease_until INTEGER,
      outcome_status TEXT,
      error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    `CREATE INDEX approval_runs_active ON approval_runs(status) WHERE status IN ('waiting','resuming')`,
    `CREATE TABLE approvals (
      id TEXT PRIMARY KEY,
      run_id TEXT NOT NULL REFERENCES approval_runs(id) ON DELETE CASCADE,
      round INTEGER NOT NULL,
      call_id TEXT NOT NULL,
      agent TEXT NOT NULL,
      tool TEXT NOT NULL,
      args TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('approval','question')),
      question TEXT,
      options TEXT,
      summary TEXT NOT NULL,
      reason TEXT,
      allow_always INTEGER NOT NULL DEFAULT 0,
      requested_by INTEGER NOT NULL,
      requested_by_name TEXT NOT NULL,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER,
      timezone TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending','approved','denied','expired','answered')),
      answer TEXT,
      always INTEGER NOT NULL DEFAULT 0,
      expires_at INTEGER NOT NULL,
      fallback TEXT NOT NULL,
      decided_by INTEGER,
      decided_by_name TEXT,
      decided_at INTEGER,
      prompt_message_id INTEGER,
      created_at INTEGER NOT NULL,
      UNIQUE (run_id, round, call_id)
    )`,
    `CREATE INDEX approvals_pending_expiry ON approvals(expires_at) WHERE status = 'pending'`,
    `CREATE INDEX approvals_pending_chat ON approvals(chat_id, requested_by, created_at) WHERE status = 'pending'`,
    `CREATE INDEX approvals_run ON approvals(run_id, round)`,
    `CREATE TABLE approval_messages (
      approval_id TEXT NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
      chat_id INTEGER NOT NULL,
      topic_id INTEGER,
      message_id INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (approval_id, chat_id, message_id)
    )`,
    `CREATE TABLE approval_grants (
      chat_id INTEGER NOT NULL,
      tool TEXT NOT NULL,
      granted_by INTEGER NOT NULL,
      granted_at INTEGER NOT NULL,
      approval_id TEXT,
      PRIMARY KEY (chat_id, tool)
    )`,
    `CREATE TABLE run_events (
      run_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      type TEXT NOT NULL,
      data TEXT NOT NULL DEFAULT '{}',
      chat_id INTEGER,
      at INTEGER NOT NULL,
      UNIQUE (run_id, seq)
    )`,
    `CREATE INDEX run_events_chat ON run_events(chat_id, at)`,
  ],
};
