import type { Migration } from './index.ts';

/**
 * Idempotent job creation: a turn replayed after a crash (or a retried tool call) passes the same request key,
 * so it finds the job it already created instead of scheduling a second one.
 */
export const jobRequestKeysMigration: Migration = {
  version: 10,
  name: 'job-request-keys',
  statements: [
    'ALTER TABLE jobs ADD COLUMN request_key TEXT',
    'CREATE UNIQUE INDEX jobs_request_key ON jobs (request_key) WHERE request_key IS NOT NULL',
  ],
};
