import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Client, type InValue, type ResultSet, type Transaction, createClient } from '@libsql/client';
import { StoreError, toError } from '../core/errors.ts';
import type { Migration } from './migrations/index.ts';

/** A value bound to a statement parameter. */
export type SqlValue = null | string | number | bigint | Uint8Array | boolean;
export type SqlArgs = SqlValue[] | Record<string, SqlValue>;
/** A result row; columns by name. Integers arrive as numbers, BLOBs as ArrayBuffer. */
export type Row = Record<string, unknown>;
export interface Statement {
  sql: string;
  args?: SqlArgs;
}
export interface RunResult {
  changes: number;
  lastInsertRowid: bigint | undefined;
}

/** Statements inside one write transaction. */
export interface WriteTx {
  query(sql: string, args?: SqlArgs): Promise<Row[]>;
  run(sql: string, args?: SqlArgs): Promise<RunResult>;
}

/**
 * The database port. Reads run concurrently; every write (single statement, batch or transaction)
 * is serialized behind one in-process lock, because a pooled libSQL connection that hits SQLITE_BUSY
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
  close(): Promise<void>;
}

export interface StoreOptions {
  url: string;
  authToken?: string;
  migrations: Migration[];
  /** Busy wait across processes sharing one file, in ms. */
  busyTimeoutMs?: number;
}

function toRun(rs: ResultSet): RunResult {
  return { changes: rs.rowsAffected, lastInsertRowid: rs.lastInsertRowid };
}

function toRows(rs: ResultSet): Row[] {
  return rs.rows as unknown as Row[];
}

function kindOf(url: string): Store['kind'] {
  if (url === ':memory:' || url.startsWith('file::memory:')) return 'memory';
  if (url.startsWith('file:')) return 'file';
  return 'remote';
}

function ensureDirectory(url: string): void {
  const path = url.slice('file:'.length).split('?')[0] ?? '';
  if (!path || path.startsWith(':memory:')) return;
  mkdirSync(dirname(resolve(path)), { recursive: true });
}

function wrap(message: string, err: unknown): StoreError {
  const e = toError(err);
  return new StoreError('store_failed', `${message}: ${e.message}`, { cause: e });
}

/** Opens the database, applies pending migrations and returns the Store. Throws StoreError('store_unavailable') with a clear message. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const kind = kindOf(options.url);
  let client: Client;
  try {
    if (kind === 'file') ensureDirectory(options.url);
    client = createClient({
      url: options.url,
      authToken: options.authToken,
      timeout: options.busyTimeoutMs ?? 5000,
      concurrency: kind === 'file' ? 8 : undefined,
    } as Parameters<typeof createClient>[0]);
  } catch (err) {
    throw new StoreError('store_unavailable', `Cannot open database ${describeUrl(options.url)}: ${toError(err).message}`, {
      cause: err,
    });
  }

  let chain: Promise<unknown> = Promise.resolve();
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  }

  const store: Store = {
    kind,
    async query(sql, args) {
      try {
        return toRows(await client.execute({ sql, args: (args ?? []) as InValue[] }));
      } catch (err) {
        throw wrap('Query failed', err);
      }
    },
    async get(sql, args) {
      return (await store.query(sql, args))[0];
    },
    run(sql, args) {
      return serialized(async () => {
        try {
          return toRun(await client.execute({ sql, args: (args ?? []) as InValue[] }));
        } catch (err) {
          throw wrap('Write failed', err);
        }
      });
    },
    batch(statements) {
      return serialized(async () => {
        try {
          const results = await client.batch(
            statements.map((s) => ({ sql: s.sql, args: (s.args ?? []) as InValue[] })),
            'write',
          );
          return results.map(toRun);
        } catch (err) {
          throw wrap('Batch write failed', err);
        }
      });
    },
    write(fn) {
      return serialized(async () => {
        let tx: Transaction;
        try {
          tx = await client.transaction('write');
        } catch (err) {
          throw wrap('Cannot begin write transaction', err);
        }
        const handle: WriteTx = {
          async query(sql, args) {
            return toRows(await tx.execute({ sql, args: (args ?? []) as InValue[] }));
          },
          async run(sql, args) {
            return toRun(await tx.execute({ sql, args: (args ?? []) as InValue[] }));
          },
        };
        try {
          const result = await fn(handle);
          await tx.commit();
          return result;
        } catch (err) {
          try {
            await tx.rollback();
          } catch {
            // the transaction may already be closed; the original error matters
          }
          // Database errors become StoreErrors; errors the callback raised itself pass through unchanged.
          throw err instanceof Error && err.name === 'LibsqlError' ? wrap('Write transaction failed', err) : err;
        } finally {
          tx.close();
        }
      });
    },
    checkpoint() {
      if (kind !== 'file') return Promise.resolve();
      return serialized(async () => {
        try {
          await client.execute('PRAGMA wal_checkpoint(TRUNCATE)');
        } catch (err) {
          throw wrap('Checkpoint failed', err);
        }
      });
    },
    async close() {
      await chain.catch(() => undefined);
      client.close();
    },
  };

  try {
    if (kind === 'file') {
      await client.execute('PRAGMA journal_mode=WAL');
      await client.execute('PRAGMA synchronous=NORMAL');
    }
    await client.execute('SELECT 1');
  } catch (err) {
    client.close();
    const hint = httpStatusOf(err) === 401
      ? 'The server rejected the credentials: check DATABASE_AUTH_TOKEN.'
      : 'Check DATABASE_URL (and DATABASE_AUTH_TOKEN for remote databases).';
    throw new StoreError('store_unavailable', `Cannot use database ${describeUrl(options.url)}: ${reasonOf(err)}. ${hint}`, {
      cause: err,
    });
  }

  try {
    await migrate(store, options.migrations);
  } catch (err) {
    client.close();
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

/** Applies migrations not yet recorded in `schema_migrations`, each in its own transaction. Idempotent. */
export async function migrate(store: Store, migrations: Migration[]): Promise<number[]> {
  await store.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const done = new Set((await store.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  const applied: number[] = [];
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (done.has(m.version)) continue;
    await store.write(async (tx) => {
      const again = await tx.query('SELECT 1 FROM schema_migrations WHERE version = ?', [m.version]);
      if (again.length > 0) return; // another process applied it meanwhile
      for (const sql of m.statements) await tx.run(sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    });
    applied.push(m.version);
  }
  return applied;
}
