import { Buffer } from 'node:buffer';
import Database from 'libsql';
import { StatementCache, type StatementCacheStats } from './statement-cache.ts';
import type { Engine, EngineTx, Row, RunResult, SqlArgs, SqlValue, Statement } from './types.ts';

type Connection = Database.Database;

/** A database error from the local engine, worded as @libsql/client words it (`SQLITE_CONSTRAINT: …`). */
export class LocalSqlError extends Error {
  readonly code: string;
  readonly extendedCode: string | undefined;
  readonly rawCode: number | undefined;
  constructor(message: string, code: string, extendedCode?: string, rawCode?: number, cause?: unknown) {
    super(`${code}: ${message}`, { cause });
    this.name = 'LocalSqlError';
    this.code = code;
    this.extendedCode = extendedCode;
    this.rawCode = rawCode;
  }
}

export interface LocalEngineOptions {
  /** A file path, or ':memory:'. */
  path: string;
  busyTimeoutMs: number;
  /** Prepared statements kept per connection. */
  statementCacheSize: number;
  /** Told when the cache drops a statement (SQL texts vary: values built into the SQL?). */
  onEvict?: (sql: string, evicted: number) => void;
}

/**
 * Statements run once (schema changes, pragmas, transaction control) are not cached: caching them would only push
 * out the statements that repeat. They are dropped after use and freed when V8 collects them.
 */
const ONE_OFF =
  /^\s*(CREATE|DROP|ALTER|PRAGMA|VACUUM|ANALYZE|REINDEX|ATTACH|DETACH|BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

interface Prepared {
  stmt: Database.Statement;
  /** Returns rows (SELECT, RETURNING, some pragmas): run with all() so it is always stepped to the end. */
  reader: boolean;
}

interface Result {
  rows: Row[];
  run: RunResult;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** The same conversions @libsql/client applies (intMode "number"). */
function toSql(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new RangeError('Only finite numbers (not Infinity or NaN) can be passed as arguments');
    return value;
  }
  if (typeof value === 'bigint') {
    if (value < MIN_INT64 || value > MAX_INT64) {
      throw new RangeError('bigint is too large to be represented as a 64-bit integer and passed as argument');
    }
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0; // the engine cannot bind booleans (it aborts)
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError('undefined cannot be passed as argument to the database');
  return value;
}

function bindArgs(args: SqlArgs | undefined): unknown[] | Record<string, unknown> {
  if (args === undefined) return [];
  if (Array.isArray(args)) return args.map(toSql);
  const named: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args as Record<string, SqlValue>)) {
    named[name[0] === '@' || name[0] === '$' || name[0] === ':' ? name.slice(1) : name] = toSql(value);
  }
  return named;
}

function fromSql(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value < MIN_SAFE || value > MAX_SAFE)
      throw new RangeError('Received integer which cannot be safely represented as a JavaScript number');
    return Number(value);
  }
  if (value instanceof Uint8Array) {
    const { buffer, byteOffset, byteLength } = value;
    return byteOffset === 0 && byteLength === buffer.byteLength
      ? buffer
      : buffer.slice(byteOffset, byteOffset + byteLength);
  }
  return value;
}

/** Rows as objects by column name; on a duplicate name the first column wins (as with @libsql/client). */
function toRows(raw: unknown[][], columns: string[]): Row[] {
  const rows: Row[] = new Array(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const values = raw[r] as unknown[];
    const row: Row = {};
    for (let i = 0; i < values.length; i++) {
      const name = columns[i] ?? String(i);
      if (Object.hasOwn(row, name)) continue;
      if (name === '__proto__')
        Object.defineProperty(row, name, {
          value: fromSql(values[i]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else row[name] = fromSql(values[i]);
    }
    rows[r] = row;
  }
  return rows;
}

const BASE_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
  27: 'SQLITE_NOTICE',
  28: 'SQLITE_WARNING',
};

function toLocalError(err: unknown): unknown {
  if (err instanceof Database.SqliteError) {
    const base =
      err.rawCode === undefined
        ? 'SQLITE_UNKNOWN'
        : (BASE_CODES[err.rawCode & 0xff] ?? `SQLITE_UNKNOWN_${err.rawCode & 0xff}`);
    return new LocalSqlError(err.message, base, err.code, err.rawCode, err);
  }
  return err;
}

/** One native connection and its statements. */
class Conn {
  readonly db: Connection;
  readonly cache: StatementCache<Prepared>;

  constructor(options: LocalEngineOptions) {
    try {
      this.db = new Database(options.path, { timeout: options.busyTimeoutMs });
    } catch (err) {
      throw toLocalError(err);
    }
    this.cache = new StatementCache<Prepared>(options.statementCacheSize, options.onEvict);
  }

  private prepare(sql: string): Prepared {
    const stmt = this.db.prepare(sql);
    const reader = stmt.reader;
    if (reader) stmt.raw(true);
    stmt.safeIntegers(true);
    return { stmt, reader };
  }

  /** Runs one statement to completion (a reader is stepped to its last row, so it never holds a snapshot). */
  execute(sql: string, args: SqlArgs | undefined): Result {
    const bound = bindArgs(args);
    const oneOff = ONE_OFF.test(sql);
    let p: Prepared;
    try {
      p = oneOff ? this.prepare(sql) : this.cache.get(sql, (s) => this.prepare(s));
    } catch (err) {
      throw toLocalError(err);
    }
    try {
      if (p.reader) {
        const raw = p.stmt.all(bound) as unknown[][];
        // Column names after stepping: a statement re-prepared after a schema change may have new columns.
        const columns = p.stmt.columns().map((c) => c.name);
        return { rows: toRows(raw, columns), run: { changes: 0, lastInsertRowid: undefined } };
      }
      const info = p.stmt.run(bound);
      return { rows: [], run: { changes: info.changes, lastInsertRowid: BigInt(info.lastInsertRowid) } };
    } catch (err) {
      // Never reuse a statement that failed: its state is unknown to us.
      if (!oneOff) this.cache.delete(sql);
      throw toLocalError(err);
    }
  }

  exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw toLocalError(err);
    }
  }

  rollbackQuietly(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // nothing more to do; the original error matters
    }
  }

  /**
   * `BEGIN IMMEDIATE` first, so the write lock (with the busy timeout against other processes) is taken by a
   * statement that is finalized at once. A cached statement that failed with SQLITE_BUSY would otherwise keep its
   * connection's read snapshot open (libsql-client-ts#352).
   */
  inWriteTransaction<T>(fn: () => T): T {
    this.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.exec('COMMIT');
      return result;
    } catch (err) {
      this.rollbackQuietly();
      throw err;
    }
  }

  close(): void {
    this.cache.clear();
    try {
      this.db.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Reading rows allocates a small native cursor that, like a statement, is freed only by a finalizer Node runs on a
 * later event-loop turn. A long chain of awaited reads (a loop over many small queries) never gives it one, so every
 * this many reads the store lets the event loop turn once.
 */
const READS_PER_TURN = 200;

function sumStats(list: StatementCacheStats[]): StatementCacheStats {
  const total: StatementCacheStats = { size: 0, limit: 0, prepared: 0, reused: 0, evicted: 0 };
  for (const s of list) {
    total.size += s.size;
    total.limit += s.limit;
    total.prepared += s.prepared;
    total.reused += s.reused;
    total.evicted += s.evicted;
  }
  return total;
}

/** Starts `BEGIN IMMEDIATE` on the writer and returns the transaction handle (closed once committed or rolled back). */
function beginWriteTransaction(
  writer: Conn,
  open: () => void,
  isClosed: () => boolean,
  read: (conn: Conn, sql: string, args: SqlArgs | undefined) => Promise<Row[]>,
): EngineTx {
  writer.exec('BEGIN IMMEDIATE');
  let settled = false;
  const live = (): void => {
    open();
    if (settled) throw new LocalSqlError('The transaction is closed', 'TRANSACTION_CLOSED');
  };
  const abandon = (): void => {
    if (settled || isClosed()) return;
    settled = true;
    writer.rollbackQuietly();
  };
  return {
    async query(sql, args) {
      live();
      return read(writer, sql, args);
    },
    async run(sql, args) {
      live();
      return writer.execute(sql, args).run;
    },
    async commit() {
      live();
      writer.exec('COMMIT');
      settled = true;
    },
    async rollback() {
      abandon();
    },
    close: abandon,
  };
}

/**
 * A local libSQL database through the `libsql` package (synchronous, better-sqlite3 style) with cached prepared
 * statements. A file gets two connections: one for writes (all serialized by the store), one for reads, which
 * therefore see committed data only, never a write transaction in progress. `:memory:` has a single connection
 * (a second one would be another, empty database).
 */
export function openLocalEngine(options: LocalEngineOptions): Engine {
  const memory = options.path === ':memory:';
  const writer = new Conn(options);
  let reader: Conn;
  try {
    reader = memory ? writer : new Conn(options);
  } catch (err) {
    writer.close();
    throw err;
  }
  const connections = memory ? [writer] : [writer, reader];
  let closed = false;
  let reads = 0;

  async function read(conn: Conn, sql: string, args: SqlArgs | undefined): Promise<Row[]> {
    const rows = conn.execute(sql, args).rows;
    if (++reads % READS_PER_TURN === 0) await new Promise((r) => setImmediate(r));
    return rows;
  }

  function open(): void {
    if (closed) throw new LocalSqlError('The database is closed', 'CLIENT_CLOSED');
  }

  return {
    async init() {
      if (!memory) writer.exec('PRAGMA journal_mode=WAL');
      for (const c of connections) {
        c.exec('PRAGMA synchronous=NORMAL');
        // Deleted rows are overwritten, not left in free pages (for /wipe); per connection, so set on each.
        c.exec('PRAGMA secure_delete=ON');
      }
      reader.execute('SELECT 1', undefined);
    },
    async query(sql, args) {
      open();
      return read(reader, sql, args);
    },
    async run(sql, args) {
      open();
      if (ONE_OFF.test(sql)) return writer.execute(sql, args).run;
      return writer.inWriteTransaction(() => writer.execute(sql, args).run);
    },
    async batch(statements: Statement[]) {
      open();
      return writer.inWriteTransaction(() => statements.map((s) => writer.execute(s.sql, s.args).run));
    },
    async begin() {
      open();
      return beginWriteTransaction(writer, open, () => closed, read);
    },
    async checkpoint(mode = 'truncate') {
      open();
      writer.execute(
        mode === 'passive' ? 'PRAGMA wal_checkpoint(PASSIVE)' : 'PRAGMA wal_checkpoint(TRUNCATE)',
        undefined,
      );
    },
    isDatabaseError(err) {
      return err instanceof LocalSqlError;
    },
    stats() {
      return { statements: sumStats(connections.map((c) => c.cache.stats())) };
    },
    close() {
      if (closed) return;
      closed = true;
      for (const c of connections) c.close();
    },
  };
}
