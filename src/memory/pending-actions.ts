import type { Clock, IdGen } from '../core/clock.ts';
import type { Store } from '../store/db.ts';

/** Pending confirmations expire after an hour. */
const PENDING_TTL_MS = 60 * 60_000;

interface PendingRow {
  userId: number;
  kind: string;
  payload: string;
  createdAt: number;
}

/** Confirmations waiting for a button press (`memory_pending_actions`), owned by one user, one hour to live. */
export function createPendingActions(deps: { store: Store; clock: Clock; ids: IdGen }) {
  const { store, clock, ids } = deps;

  async function load(id: string, userId: number, kind: string): Promise<PendingRow | undefined> {
    const row = await store.get('SELECT user_id, kind, payload, created_at FROM memory_pending_actions WHERE id = ?', [
      id,
    ]);
    if (!row || Number(row.user_id) !== userId || row.kind !== kind) return undefined;
    return { userId, kind, payload: String(row.payload), createdAt: Number(row.created_at) };
  }

  const fresh = (row: PendingRow) => clock.now() - row.createdAt <= PENDING_TTL_MS;

  return {
    /** Stores a confirmation (dropping expired ones); returns its short id. */
    async save(userId: number, kind: string, payload: unknown): Promise<string> {
      const id = ids();
      const now = clock.now();
      await store.batch([
        { sql: 'DELETE FROM memory_pending_actions WHERE created_at < ?', args: [now - PENDING_TTL_MS] },
        {
          sql: 'INSERT INTO memory_pending_actions (id, user_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)',
          args: [id, userId, kind, JSON.stringify(payload), now],
        },
      ]);
      return id;
    },

    /** The payload if the confirmation belongs to `userId`, has `kind` and has not expired. */
    async read(id: string, userId: number, kind: string): Promise<unknown | undefined> {
      const row = await load(id, userId, kind);
      return row && fresh(row) ? (JSON.parse(row.payload) as unknown) : undefined;
    },

    /** Like `read`, but deletes the row (expired or not). */
    async take(id: string, userId: number, kind: string): Promise<unknown | undefined> {
      const row = await load(id, userId, kind);
      if (!row) return undefined;
      await store.run('DELETE FROM memory_pending_actions WHERE id = ?', [id]);
      return fresh(row) ? (JSON.parse(row.payload) as unknown) : undefined;
    },
  };
}
