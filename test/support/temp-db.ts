import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDb {
  /** `file:/tmp/assistant-XXXX/<name>.db` */
  url: string;
  /** The database file path. */
  path: string;
  dir: string;
  /** Removes the directory (database, WAL and SHM files). Safe to call twice. */
  cleanup(): Promise<void>;
}

/** A libSQL `file:` URL in a fresh temporary directory. Close the client before `cleanup()`. */
export function tempDbUrl(name = 'test'): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-'));
  const path = join(dir, `${name.replace(/[^a-zA-Z0-9_.-]/g, '_')}.db`);
  return {
    url: `file:${path}`,
    path,
    dir,
    cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 }),
  };
}
