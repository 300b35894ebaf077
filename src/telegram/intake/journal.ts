import { z } from 'zod';
import type { Update } from 'grammy/types';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../store/db.ts';

/** Processing state of one journaled update. */
export type UpdateState = 'pending' | 'running' | 'done' | 'failed' | 'ignored';

/** One update as the journal knows it. `update` is what was stored (stripped for unauthorized users). */
export interface JournalEntry {
  updateId: number;
  chatKey: string | null;
  kind: string;
  update: Update;
  state: UpdateState;
  attempts: number;
}

/** What intake hands to `accept`: the update to store and how it starts. */
export interface IncomingEntry {
  updateId: number;
  chatKey: string | null;
  kind: string;
  update: Update;
  state: 'pending' | 'ignored';
}

/** The crash-safety record: every accepted update is written here before it is processed. */
export interface Journal {
  /** Inserts entries in one atomic batch (INSERT OR IGNORE); returns the entries that were new (duplicates dropped). */
  accept(entries: IncomingEntry[]): Promise<IncomingEntry[]>;
  /** Marks an update running and returns its attempt count (including this one). */
  markRunning(updateId: number): Promise<number>;
  /** Records the end state of an update. `pending` puts it back for the next start. */
  finish(updateId: number, state: UpdateState, error?: string): Promise<void>;
  /** Updates left `pending` or `running` (a crash or an aborted shutdown), oldest first. */
  unfinished(): Promise<JournalEntry[]>;
  get(updateId: number): Promise<JournalEntry | undefined>;
  /** Deletes finished rows older than `olderThanMs` (the dedupe window). Returns how many. */
  prune(olderThanMs: number): Promise<number>;
}

const stateSchema = z.enum(['pending', 'running', 'done', 'failed', 'ignored']);
const payloadSchema = z.looseObject({ update_id: z.number().int() });

function toEntry(row: Record<string, unknown>): JournalEntry {
  const payload = payloadSchema.parse(JSON.parse(String(row.payload)));
  return {
    updateId: Number(row.update_id),
    chatKey: row.chat_key === null || row.chat_key === undefined ? null : String(row.chat_key),
    kind: String(row.kind),
    update: payload as unknown as Update,
    state: stateSchema.parse(row.state),
    attempts: Number(row.attempts),
  };
}

/** Creates the journal over the `updates` table (migration 004). */
export function createJournal(deps: { store: Store; clock: Clock }): Journal {
  const { store, clock } = deps;
  return {
    async accept(entries) {
      if (entries.length === 0) return [];
      const now = clock.now();
      const results = await store.batch(
        entries.map((e) => ({
          sql: `INSERT OR IGNORE INTO updates (update_id, chat_key, kind, payload, state, attempts, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
          args: [e.updateId, e.chatKey, e.kind, JSON.stringify(e.update), e.state, now, now],
        })),
      );
      return entries.filter((_, i) => (results[i]?.changes ?? 0) > 0);
    },
    async markRunning(updateId) {
      await store.run(`UPDATE updates SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE update_id = ?`, [
        clock.now(),
        updateId,
      ]);
      const row = await store.get('SELECT attempts FROM updates WHERE update_id = ?', [updateId]);
      return Number(row?.attempts ?? 1);
    },
    async finish(updateId, state, error) {
      await store.run('UPDATE updates SET state = ?, error = ?, updated_at = ? WHERE update_id = ?', [
        state,
        error ?? null,
        clock.now(),
        updateId,
      ]);
    },
    async unfinished() {
      const rows = await store.query(
        `SELECT update_id, chat_key, kind, payload, state, attempts FROM updates
         WHERE state IN ('pending','running') ORDER BY update_id`,
      );
      return rows.map(toEntry);
    },
    async get(updateId) {
      const row = await store.get('SELECT update_id, chat_key, kind, payload, state, attempts FROM updates WHERE update_id = ?', [
        updateId,
      ]);
      return row ? toEntry(row) : undefined;
    },
    async prune(olderThanMs) {
      const r = await store.run(`DELETE FROM updates WHERE state IN ('done','failed','ignored') AND updated_at < ?`, [
        clock.now() - olderThanMs,
      ]);
      return r.changes;
    },
  };
}
