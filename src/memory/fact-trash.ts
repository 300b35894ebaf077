import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/db.ts';
import type { Fact } from './fact.ts';
import { blobOf } from './fact-store.ts';
import type { Facts } from './facts.ts';

/** How long a forgotten fact can be brought back with Undo. */
export const UNDO_WINDOW_MS = 5 * 60_000;

/** What Undo did for one fact. */
export type RestoreStatus = 'restored' | 'active' | 'too_late' | 'gone';

/**
 * Forgetting with Undo, keyed by fact id: `trash` hides a fact at once (`deleted_at`) and tombstones its text so it
 * is not learned again; `restore` brings it back within the Undo window; `purge` deletes forgotten facts for good
 * once the window has passed. Every read of active facts skips hidden ones (facts.ts).
 */
export function createFactTrash(deps: {
  store: Store;
  clock: Clock;
  facts: Pick<Facts, 'getMany'>;
  windowMs?: number;
}) {
  const { store, clock, facts } = deps;
  const windowMs = deps.windowMs ?? UNDO_WINDOW_MS;

  return {
    windowMs,

    /** Whether Undo can still bring this forgotten fact back. */
    undoable(fact: Pick<Fact, 'deletedAt'>): boolean {
      return fact.deletedAt !== undefined && clock.now() - fact.deletedAt <= windowMs;
    },

    /** Forgets the user's active facts in `scope` at once; returns those it forgot (already forgotten ones are skipped). */
    async trash(userId: number, scope: string, ids: string[]): Promise<Fact[]> {
      if (ids.length === 0) return [];
      const now = clock.now();
      const done = await store.write(async (tx) => {
        const out: string[] = [];
        for (const id of ids) {
          const row = (
            await tx.query(
              `SELECT id, text, embedding FROM memory_facts
               WHERE id = ? AND user_id = ? AND scope = ? AND deleted_at IS NULL AND superseded_at IS NULL`,
              [id, userId, scope],
            )
          )[0];
          if (!row) continue;
          await tx.run('UPDATE memory_facts SET deleted_at = ?, updated_at = ? WHERE id = ?', [now, now, id]);
          const blob = blobOf(row.embedding);
          await tx.run(
            'INSERT INTO memory_tombstones (scope, user_id, text, embedding, created_at) VALUES (?, ?, ?, ?, ?)',
            [scope, userId, String(row.text), blob, now],
          );
          out.push(id);
        }
        return out;
      });
      return facts.getMany(done);
    },

    /** Brings forgotten facts back within the Undo window and lifts their tombstones. */
    async restore(userId: number, scope: string, ids: string[]): Promise<{ id: string; status: RestoreStatus }[]> {
      const now = clock.now();
      return store.write(async (tx) => {
        const out: { id: string; status: RestoreStatus }[] = [];
        for (const id of ids) {
          const row = (
            await tx.query('SELECT text, deleted_at FROM memory_facts WHERE id = ? AND user_id = ? AND scope = ?', [
              id,
              userId,
              scope,
            ])
          )[0];
          if (!row) {
            out.push({ id, status: 'gone' });
            continue;
          }
          if (row.deleted_at == null) {
            out.push({ id, status: 'active' });
            continue;
          }
          const deletedAt = Number(row.deleted_at);
          if (now - deletedAt > windowMs) {
            out.push({ id, status: 'too_late' });
            continue;
          }
          // Said again meanwhile ("remember that…"): it is known already; a second copy would only duplicate it.
          const same = await tx.query(
            'SELECT 1 FROM memory_facts WHERE scope = ? AND text = ? AND deleted_at IS NULL AND superseded_at IS NULL AND id <> ?',
            [scope, String(row.text), id],
          );
          if (same.length > 0) {
            out.push({ id, status: 'active' });
            continue;
          }
          await tx.run('UPDATE memory_facts SET deleted_at = NULL, updated_at = ? WHERE id = ?', [now, id]);
          await tx.run(
            'DELETE FROM memory_tombstones WHERE scope = ? AND user_id = ? AND text = ? AND created_at = ?',
            [scope, userId, String(row.text), deletedAt],
          );
          out.push({ id, status: 'restored' });
        }
        return out;
      });
    },

    /** Deletes facts (and the versions they replaced) whose Undo window has passed. Returns how many. */
    async purge(): Promise<number> {
      const cutoff = clock.now() - windowMs;
      return store.write(async (tx) => {
        await tx.run(
          'DELETE FROM memory_facts WHERE superseded_by IN (SELECT id FROM memory_facts WHERE deleted_at IS NOT NULL AND deleted_at < ?)',
          [cutoff],
        );
        return (await tx.run('DELETE FROM memory_facts WHERE deleted_at IS NOT NULL AND deleted_at < ?', [cutoff]))
          .changes;
      });
    },
  };
}

export type FactTrash = ReturnType<typeof createFactTrash>;
