import type { Migration } from './index.ts';

/**
 * Jobs: delete with Undo, cards that follow their job, "Change time", and group settings.
 * - `jobs.deleted_at` / `jobs.undo_token`: a deleted job is hidden and stopped at once, and kept for the Undo
 *   window (the token is in the Undo button); the scheduler purges it after that.
 * - `jobs.card_message_id` / `jobs.card_solo`: the message showing the job's confirmation card (solo: the message
 *   is only that card, so it can be rewritten when the job fires or is deleted).
 * - `jobs.edit_by` / `jobs.edit_at`: who tapped "Change time" and when; their next message is the new time.
 * - `chat_settings`: a group's own settings (its time zone, set by an admin).
 */
export const jobsPolishMigration: Migration = {
  version: 17,
  name: 'jobs-polish',
  statements: [
    'ALTER TABLE jobs ADD COLUMN deleted_at INTEGER',
    'ALTER TABLE jobs ADD COLUMN undo_token TEXT',
    'ALTER TABLE jobs ADD COLUMN card_message_id INTEGER',
    'ALTER TABLE jobs ADD COLUMN card_solo INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE jobs ADD COLUMN edit_by INTEGER',
    'ALTER TABLE jobs ADD COLUMN edit_at INTEGER',
    'CREATE UNIQUE INDEX jobs_undo_token ON jobs (undo_token) WHERE undo_token IS NOT NULL',
    'CREATE INDEX jobs_deleted ON jobs (deleted_at) WHERE deleted_at IS NOT NULL',
    `CREATE TABLE chat_settings (
      chat_id INTEGER PRIMARY KEY,
      timezone TEXT,
      updated_by INTEGER,
      awaiting_tz_from INTEGER,
      awaiting_tz_at INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  ],
};
