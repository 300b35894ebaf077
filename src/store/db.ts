import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../core/logger.ts';
import { StoreError, toError } from '../core/errors.ts';
import { type IdleCheckpointOptions, createIdleCheckpoint } from './idle-checkpoint.ts';
import { openLocalEngine } from './local-engine.ts';
import type { Migration } from './migrations/index.ts';
import { openRemoteEngine } from './remote-engine.ts';
import type { Engine, EngineTx, Row, RunResult, SqlArgs, Statement, StoreStats, WriteTx } from './types.ts';

export type { Row, RunResult, SqlArgs, SqlValue, Statement, StoreStats, WriteTx } from './types.ts';

/**
 * The database port. Reads run concurrently; every write (single statement, batch or transaction)
 * is serialized behind one in-process lock, because a libSQL connection that hits SQLITE_BUSY
 * can wedge the database (libsql-client-ts#352).
 */
export interface Store {
  readonly kind: 'file' | 'memory' | 'remote';
  query(sql: string, args?: SqlArgs): Promise<Row[]>;
  get(sql: string, args?: SqlArgs): Promise<Row | undefined>;
  run(sql: string, args?: SqlArgs): Promise<RunResult>;
  /** Atomic multi-statement write with no reads in between. */
  batch(statements: Statement[]): Promise<RunResult[]>;
  /** Interactive write transaction (BEGIN IMMEDIATE). Rolled back if `fn` throws. */
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  /** Moves the WAL into the main file and truncates it (local files; a no-op for remote databases). */
  checkpoint(): Promise<void>;
  /** Prepared statements held in this process (local databases; zeros for a remote one). */
  stats(): StoreStats;
  close(): Promise<void>;
}

export interface StoreOptions {
  url: string;
  authToken?: string;
  migrations: Migration[];
  /** Busy wait across processes sharing one file, in ms. */
  busyTimeoutMs?: number;
  /** Prepared statements cached per local connection (default 512). */
  statementCacheSize?: number;
  /** Warned when the statement cache has to drop statements (SQL texts that vary); told its counters at close. */
  log?: Pick<Logger, 'warn' | 'info'>;
  /** Local files: checkpoint the WAL while writes pause (idle-checkpoint.ts), on this clock. */
  idleCheckpoint?: IdleCheckpointOptions;
}

/** Default bound of the prepared-statement cache, per connection: well above the distinct SQL texts in src. */
export const DEFAULT_STATEMENT_CACHE_SIZE = 512;

function kindOf(url: string): Store['kind'] {
  if (url === ':memory:' || url.startsWith('file::memory:')) return 'memory';
  if (url.startsWith('file:')) return 'file';
  return 'remote';
}

/** The file path of a `file:` URL (`file:rel/path.db`, `file:/abs.db`, `file:///abs.db`, `file://localhost/abs.db`). */
export function filePathOf(url: string): string {
  if (kindOf(url) === 'memory') return ':memory:';
  let rest = url.slice('file:'.length).split('#')[0]?.split('?')[0] ?? '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const host = rest.slice(2, slash < 0 ? undefined : slash);
    if (host !== '' && host.toLowerCase() !== 'localhost') {
      throw new Error(
        `Invalid host in file URL: ${JSON.stringify(host)}; use file:/absolute/path.db or file:relative/path.db`,
      );
    }
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  const path = decodeURIComponent(rest);
  if (!path) throw new Error('The file URL has no path');
  return path;
}

function ensureDirectory(path: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
}

function wrap(message: string, err: unknown): StoreError {
  const e = toError(err);
  return new StoreError('store_failed', `${message}: ${e.message}`, { cause: e });
}

/** SQL shape for a log line: quoted literals and numbers blanked, cut short (the text may carry user data). */
function sqlShape(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
}

function openEngine(kind: Store['kind'], options: StoreOptions): Engine {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (kind === 'remote') return openRemoteEngine({ url: options.url, authToken: options.authToken, busyTimeoutMs });
  const path = filePathOf(options.url);
  if (kind === 'file') ensureDirectory(path);
  const log = options.log;
  return openLocalEngine({
    path,
    busyTimeoutMs,
    statementCacheSize: options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE,
    // Warn on the first eviction and then at 10, 100, 1000…: each means a statement prepared again.
    onEvict: (sql, evicted) => {
      if (log && Number.isInteger(Math.log10(evicted))) {
        log.warn(
          { evicted, sql: sqlShape(sql) },
          'statement cache full: SQL texts vary (values built into SQL?); statements are being prepared again',
        );
      }
    },
  });
}

/** Opens the database, applies pending migrations and returns the Store. Throws StoreError('store_unavailable') with a clear message. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const kind = kindOf(options.url);
  let engine: Engine;
  try {
    engine = openEngine(kind, options);
  } catch (err) {
    throw new StoreError(
      'store_unavailable',
      `Cannot open database ${describeUrl(options.url)}: ${toError(err).message}`,
      {
        cause: err,
      },
    );
  }

  let chain: Promise<unknown> = Promise.resolve();
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  }
  const idle =
    kind === 'file' && options.idleCheckpoint
      ? createIdleCheckpoint(
          options.idleCheckpoint,
          () => serialized(() => engine.checkpoint('passive')),
          (err) => options.log?.warn({ err: toError(err) }, 'WAL checkpoint failed; SQLite checkpoints on its own'),
        )
      : undefined;
  /** A write through the lock, tracked so idle checkpoints wait for the writer to rest. */
  function serializedWrite<T>(fn: () => Promise<T>): Promise<T> {
    if (!idle) return serialized(fn);
    idle.started();
    const result = serialized(fn);
    result.then(idle.settled, idle.settled);
    return result;
  }

  const store: Store = {
    kind,
    async query(sql, args) {
      try {
        return await engine.query(sql, args);
      } catch (err) {
        throw wrap('Query failed', err);
      }
    },
    async get(sql, args) {
      return (await store.query(sql, args))[0];
    },
    run(sql, args) {
      return serializedWrite(async () => {
        try {
          return await engine.run(sql, args);
        } catch (err) {
          throw wrap('Write failed', err);
        }
      });
    },
    batch(statements) {
      return serializedWrite(async () => {
        try {
          return await engine.batch(statements);
        } catch (err) {
          throw wrap('Batch write failed', err);
        }
      });
    },
    write(fn) {
      return serializedWrite(async () => {
        let tx: EngineTx;
        try {
          tx = await engine.begin();
        } catch (err) {
          throw wrap('Cannot begin write transaction', err);
        }
        try {
          const result = await fn(tx);
          await tx.commit();
          return result;
        } catch (err) {
          try {
            await tx.rollback();
          } catch {
            // the transaction may already be closed; the original error matters
          }
          // Database errors become StoreErrors; errors the callback raised itself pass through unchanged.
          throw engine.isDatabaseError(err) ? wrap('Write transaction failed', err) : err;
        } finally {
          tx.close();
        }
      });
    },
    checkpoint() {
      if (kind !== 'file') return Promise.resolve();
      return serialized(async () => {
        try {
          await engine.checkpoint();
        } catch (err) {
          throw wrap('Checkpoint failed', err);
        }
      });
    },
    stats() {
      return { ...engine.stats(), idleCheckpoints: idle?.count ?? 0 };
    },
    async close() {
      idle?.stop();
      await chain.catch(() => undefined);
      if (kind !== 'remote') options.log?.info({ statements: engine.stats().statements }, 'closing the database');
      engine.close();
    },
  };

  try {
    await engine.init();
  } catch (err) {
    engine.close();
    const hint =
      httpStatusOf(err) === 401
        ? 'The server rejected the credentials: check DATABASE_AUTH_TOKEN.'
        : 'Check DATABASE_URL (and DATABASE_AUTH_TOKEN for remote databases).';
    throw new StoreError(
      'store_unavailable',
      `Cannot use database ${describeUrl(options.url)}: ${reasonOf(err)}. ${hint}`,
      {
        cause: err,
      },
    );
  }

  try {
    await migrate(store, options.migrations);
  } catch (err) {
    engine.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError('store_unavailable', `Database migration failed: ${toError(err).message}`, { cause: err });
  }
  return store;
}

/** The message plus nested causes: fetch reports only "fetch failed" and keeps ECONNREFUSED etc. in `cause`. */
function reasonOf(err: unknown): string {
  const e = toError(err);
  let text = e.message;
  let inner: unknown = e.cause;
  for (let depth = 0; inner instanceof Error && depth < 3; depth++) {
    if (!text.includes(inner.message)) text += ` (${inner.message})`;
    inner = inner.cause;
  }
  return text;
}

/** The HTTP status a remote libSQL server answered with, if the error carries one. */
function httpStatusOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const status = (e as { status?: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** The URL without credentials or query string, safe to log. */
export function describeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//').split('?')[0] ?? url;
}

/** Applies migrations not yet recorded in `schema_migrations`, all in one transaction. Idempotent. */
export async function migrate(store: Store, migrations: Migration[]): Promise<number[]> {
  await store.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const done = new Set((await store.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
  const applied: number[] = [];
  if (pending.length === 0) return applied;
  // One transaction for every pending migration: a fresh database is made in one commit (~130 statements), and a
  // failure leaves the schema as it was.
  await store.write(async (tx) => {
    const again = new Set((await tx.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    for (const m of pending) {
      if (again.has(m.version)) continue; // another process applied it meanwhile
      try {
        for (const sql of m.statements) await tx.run(sql);
      } catch (err) {
        throw new StoreError(
          'store_unavailable',
          `Database migration ${m.version} (${m.name}) failed: ${reasonOf(err)}`,
          {
            cause: err,
          },
        );
      }
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        Date.now(), // real timer: wall time of the migration itself, before any Clock exists
      ]);
      applied.push(m.version);
    }
  });
  return applied;
}
