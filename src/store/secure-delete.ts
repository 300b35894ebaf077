import type { Store, WriteTx } from './db.ts';

/**
 * Turns on SQLite's `secure_delete` for the connection running `tx`, so the rows it deletes are overwritten with
 * zeros instead of lingering in free pages (and in the WAL copies of those pages). Local files only: a remote
 * server's storage is its own. Call first thing in a transaction that erases user data.
 */
export async function secureDeletes(tx: WriteTx, kind: Store['kind']): Promise<void> {
  if (kind === 'remote') return;
  await tx.run('PRAGMA secure_delete = ON');
}
