import { type Clock, createIdGen } from '../../core/clock.ts';
import type { Store } from '../../store/db.ts';
import { secureDeletes } from '../../store/secure-delete.ts';
import { claimRows } from './journal-claim.ts';
import { localHostKey, processExists } from './journal-host.ts';
import {
  ENTRY_COLUMNS,
  IN_JSON,
  type IncomingEntry,
  type JournalEntry,
  UNFINISHED,
  type UpdateState,
  chunks,
  senderId,
  toEntry,
} from './journal-rows.ts';

export { localHostKey } from './journal-host.ts';
export type { IncomingEntry, JournalEntry, UpdateState } from './journal-rows.ts';

/** One button press, as `earlierPress` compares them. */
export interface ButtonPress {
  updateId: number;
  userId: number;
  chatKey: string;
  messageId: number;
  data: string;
}

/**
 * The crash-safety record: every accepted update is written here before it is processed.
 *
 * Several processes may share one database, so every unfinished row has an owner (the instance that journaled or
 * claimed it) and a lease. The owner extends the lease of the rows it holds with `heartbeat()`; another instance
 * `claim()`s a row only when its lease has expired, or when its owner is provably dead (a process on this same
 * machine and PID namespace that no longer exists: a crash followed by a restart resumes at once).
 */
export interface Journal {
  /** This process's id as the owner of journal rows. */
  readonly instanceId: string;
  /** Records this instance (host identity, pid) so a restart on the same machine can tell it died. Call before `accept`. */
  register(): Promise<void>;
  /** Inserts entries in one atomic batch (INSERT OR IGNORE), owned by this instance; returns the new ones (duplicates dropped). */
  accept(entries: IncomingEntry[]): Promise<IncomingEntry[]>;
  /**
   * Marks an update running (if this instance still owns it) and returns its attempt count including this one;
   * `undefined` when another instance has taken it over or it is already finished: do not run it.
   */
  markRunning(updateId: number): Promise<number | undefined>;
  /**
   * Records the end state of an update this instance owns; false if it no longer owns it. `pending` puts it back
   * (it stays held until `release()`, which hands it to the next instance or restart).
   */
  finish(updateId: number, state: UpdateState, error?: string): Promise<boolean>;
  /**
   * Takes over unfinished rows whose lease expired or whose owner is dead (compare-and-set in one write
   * transaction), and returns them oldest first. Rows this instance already holds are never returned.
   */
  claim(): Promise<JournalEntry[]>;
  /** Extends the lease of every unfinished row this instance holds, and its own heartbeat. Returns how many rows. */
  heartbeat(): Promise<number>;
  /** Clean stop: expires this instance's leases (the next instance takes them at once) and removes its record. */
  release(): Promise<void>;
  /** Unfinished rows this instance holds (queued or running here). */
  held(): number;
  get(updateId: number): Promise<JournalEntry | undefined>;
  /**
   * The first press of the same button (same user, same message, same callback data) journaled before
   * `press.updateId`, if any: one-shot buttons (Retry, Continue) act once however often they are tapped.
   */
  earlierPress(press: ButtonPress): Promise<number | undefined>;
  /** Deletes finished rows older than `olderThanMs` (the dedupe window), overwriting them on disk. Returns how many. */
  prune(olderThanMs: number): Promise<number>;
}

export interface JournalOptions {
  store: Store;
  clock: Clock;
  /** Owner id of this process. Default a new random id. */
  instanceId?: string;
  /** How long a claim holds without a heartbeat. Default 60 s. */
  leaseMs?: number;
  /**
   * Identity of this machine and PID namespace: an instance with the same key whose pid is gone is dead.
   * Default `localHostKey()`; `null` turns the check off (ownership then passes only by lease expiry).
   */
  hostKey?: string | null;
  /** Default process.pid. */
  pid?: number;
  /** Whether `pid` is a running process on this machine. Default a signal-0 probe. */
  isAlive?: (pid: number) => boolean;
}

/** Default lease of a journal row (ms). */
export const DEFAULT_LEASE_MS = 60_000;
/** Instance records not refreshed for this long (and at least 10 leases) are deleted. */
const STALE_INSTANCE_MS = 60 * 60 * 1000;
/** Creates the journal over the `updates` table (migrations 004 and 008). */
export function createJournal(deps: JournalOptions): Journal {
  const { store, clock } = deps;
  const instanceId = deps.instanceId ?? createIdGen()();
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const hostKey = deps.hostKey === undefined ? localHostKey() : deps.hostKey;
  const pid = deps.pid ?? process.pid;
  const isAlive = deps.isAlive ?? processExists;
  /** Unfinished rows this process holds: queued or running in its dispatcher. Only these are heartbeated. */
  const holding = new Set<number>();
  const startedAt = clock.now();

  const upsertInstance = (now: number) => ({
    sql: `INSERT INTO journal_instances (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
    args: [instanceId, hostKey, pid, startedAt, now],
  });

  /** Other instances on this machine and PID namespace whose process is gone. */
  async function deadLocalInstances(): Promise<string[]> {
    if (hostKey === null) return [];
    const rows = await store.query('SELECT id, pid FROM journal_instances WHERE host = ? AND id <> ?', [
      hostKey,
      instanceId,
    ]);
    // Our own pid on another record means a second front end in this process (tests), not a dead one.
    return rows.filter((r) => Number(r.pid) !== pid && !isAlive(Number(r.pid))).map((r) => String(r.id));
  }

  return {
    instanceId,
    async register() {
      const now = clock.now();
      await store.batch([
        upsertInstance(now),
        // Records of instances gone for long (their rows' leases expired long ago) are only clutter.
        {
          sql: 'DELETE FROM journal_instances WHERE id <> ? AND heartbeat_at < ?',
          args: [instanceId, now - Math.max(STALE_INSTANCE_MS, 10 * leaseMs)],
        },
      ]);
    },
    async accept(entries) {
      if (entries.length === 0) return [];
      const now = clock.now();
      const results = await store.batch(
        entries.map((e) => ({
          sql: `INSERT OR IGNORE INTO updates (update_id, chat_key, kind, payload, state, attempts, owner, lease_until, user_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
          args: [
            e.updateId,
            e.chatKey,
            e.kind,
            JSON.stringify(e.update),
            e.state,
            instanceId,
            now + leaseMs,
            senderId(e),
            now,
            now,
          ],
        })),
      );
      const fresh = entries.filter((_, i) => (results[i]?.changes ?? 0) > 0);
      for (const e of fresh) if (e.state === 'pending') holding.add(e.updateId);
      return fresh;
    },
    async markRunning(updateId) {
      const now = clock.now();
      // One statement: the count comes back with the update instead of a second read.
      const rows = await store.write((tx) =>
        tx.query(
          `UPDATE updates SET state = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
           WHERE update_id = ? AND owner = ? AND ${UNFINISHED} RETURNING attempts`,
          [now + leaseMs, now, updateId, instanceId],
        ),
      );
      const row = rows[0];
      if (!row) {
        holding.delete(updateId);
        return undefined;
      }
      return Number(row.attempts);
    },
    async finish(updateId, state, error) {
      const r = await store.run(
        'UPDATE updates SET state = ?, error = ?, updated_at = ? WHERE update_id = ? AND owner = ?',
        [state, error ?? null, clock.now(), updateId, instanceId],
      );
      if (state !== 'pending' || r.changes === 0) holding.delete(updateId);
      return r.changes > 0;
    },
    async claim() {
      const dead = await deadLocalInstances();
      const entries = await claimRows({ store, instanceId, leaseMs, holding }, dead, clock.now());
      for (const e of entries) holding.add(e.updateId);
      return entries;
    },
    async heartbeat() {
      const now = clock.now();
      const ids = [...holding];
      const results = await store.batch([
        upsertInstance(now),
        ...chunks(ids).map((part) => ({
          sql: `UPDATE updates SET lease_until = ? WHERE owner = ? AND ${UNFINISHED} AND update_id IN ${IN_JSON}`,
          args: [now + leaseMs, instanceId, JSON.stringify(part)],
        })),
      ]);
      return results.slice(1).reduce((n, r) => n + r.changes, 0);
    },
    async release() {
      holding.clear();
      await store.batch([
        { sql: `UPDATE updates SET lease_until = 0 WHERE owner = ? AND ${UNFINISHED}`, args: [instanceId] },
        { sql: 'DELETE FROM journal_instances WHERE id = ?', args: [instanceId] },
      ]);
    },
    held: () => holding.size,
    async get(updateId) {
      const row = await store.get(`SELECT ${ENTRY_COLUMNS} FROM updates WHERE update_id = ?`, [updateId]);
      return row ? toEntry(row) : undefined;
    },
    async earlierPress(press) {
      // The user_id index narrows this to one user's updates; the JSON fields are compared on those rows only.
      const row = await store.get(
        `SELECT update_id FROM updates
         WHERE user_id = ? AND update_id < ? AND kind = 'callback_query' AND chat_key = ?
           AND json_extract(payload, '$.callback_query.data') = ?
           AND json_extract(payload, '$.callback_query.message.message_id') = ?
         ORDER BY update_id LIMIT 1`,
        [press.userId, press.updateId, press.chatKey, press.data, press.messageId],
      );
      return row ? Number(row.update_id) : undefined;
    },
    async prune(olderThanMs) {
      const cutoff = clock.now() - olderThanMs;
      return store.write(async (tx) => {
        await secureDeletes(tx, store.kind);
        const r = await tx.run(
          `DELETE FROM updates WHERE state IN ('done','failed','ignored') AND created_at < ? AND updated_at < ?`,
          [cutoff, cutoff],
        );
        return r.changes;
      });
    },
  };
}
