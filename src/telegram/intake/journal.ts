import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Update } from 'grammy/types';
import { type Clock, createIdGen } from '../../core/clock.ts';
import type { Store } from '../../store/db.ts';
import { secureDeletes } from '../../store/secure-delete.ts';
import { senderOf } from './classify.ts';

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

/** One button press, as `earlierPress` compares them. */
export interface ButtonPress {
  updateId: number;
  userId: number;
  chatKey: string;
  messageId: number;
  data: string;
}

/** What intake hands to `accept`: the update to store and how it starts. */
export interface IncomingEntry {
  updateId: number;
  chatKey: string | null;
  kind: string;
  update: Update;
  state: 'pending' | 'ignored';
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
/** Bound on SQL parameters per statement. */
const CHUNK = 400;
const UNFINISHED = `state IN ('pending','running')`;

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

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** A list bound as one JSON parameter: the SQL text stays the same for any length (one cached statement). */
const IN_JSON = '(SELECT value FROM json_each(?))';

/** The sender of a journaled update (kept in `user_id` so /wipe and /export find a user's updates by index). */
function senderId(e: IncomingEntry): number | null {
  try {
    return senderOf(e.update)?.id ?? null;
  } catch {
    return null;
  }
}

/**
 * This machine's boot and PID namespace (Linux): two processes with the same key see each other's pids, so a
 * missing pid means a dead process. Containers get their own namespace; other hosts and reboots a new boot id.
 * `null` where it cannot be known (no /proc): dead owners are then only detected by lease expiry.
 */
export function localHostKey(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    if (!boot || !pidNamespace) return null;
    return `${hostname()}|${boot}|${pidNamespace}`;
  } catch {
    return null;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

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
      const r = await store.run(
        `UPDATE updates SET state = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
         WHERE update_id = ? AND owner = ? AND ${UNFINISHED}`,
        [now + leaseMs, now, updateId, instanceId],
      );
      if (r.changes === 0) {
        holding.delete(updateId);
        return undefined;
      }
      const row = await store.get('SELECT attempts FROM updates WHERE update_id = ?', [updateId]);
      return Number(row?.attempts ?? 1);
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
      const now = clock.now();
      const claimable = `${UNFINISHED} AND (lease_until <= ? OR owner IS NULL${dead.length > 0 ? ` OR owner IN ${IN_JSON}` : ''})`;
      const deadArgs = dead.length > 0 ? [JSON.stringify(dead)] : [];
      if (dead.length === 0) {
        // The common case (nothing orphaned): a read, no write lock taken every scan.
        const candidates = await store.query(`SELECT update_id FROM updates WHERE ${claimable}`, [now]);
        if (candidates.every((r) => holding.has(Number(r.update_id)))) return [];
      }
      const entries = await store.write(async (tx) => {
        const rows = await tx.query(
          `SELECT update_id, chat_key, kind, payload, state, attempts FROM updates WHERE ${claimable} ORDER BY update_id`,
          [now, ...deadArgs],
        );
        const ids = rows.map((r) => Number(r.update_id)).filter((id) => !holding.has(id));
        const taken = new Set<number>();
        for (const part of chunks(ids)) {
          // Compare-and-set: the claim condition is checked again by the UPDATE itself.
          const got = await tx.query(
            `UPDATE updates SET owner = ?, lease_until = ? WHERE update_id IN ${IN_JSON} AND ${claimable} RETURNING update_id`,
            [instanceId, now + leaseMs, JSON.stringify(part), now, ...deadArgs],
          );
          for (const g of got) taken.add(Number(g.update_id));
        }
        if (dead.length > 0) await tx.run(`DELETE FROM journal_instances WHERE id IN ${IN_JSON}`, deadArgs);
        return rows.filter((r) => taken.has(Number(r.update_id))).map(toEntry);
      });
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
      const row = await store.get(
        'SELECT update_id, chat_key, kind, payload, state, attempts FROM updates WHERE update_id = ?',
        [updateId],
      );
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
