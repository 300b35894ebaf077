/**
 * A small, faithful fake of sqld's HTTP API (Hrana over HTTP, "v2" and "v3" JSON pipelines), backed by a real
 * libSQL database file through the `libsql` native binding, so the REAL @libsql/client talks to it over HTTP.
 *
 * Modelled on libsql-server (src/hrana/http/*, src/hrana/stmt.rs, src/connection/program.rs,
 * src/query_analysis.rs):
 * - `POST /v2/pipeline` and `/v3/pipeline`: `{ baton, requests }` → `{ baton, base_url, results }`; requests
 *   `execute`, `batch` (conditions ok/error/not/and/or, `is_autocommit` on v3), `sequence`, `describe`,
 *   `store_sql`, `close_sql`, `get_autocommit` (v3), `close`.
 * - A baton carries a stream; each stream owns one dedicated connection, so `BEGIN … COMMIT` spans HTTP requests.
 *   Batons are single-use (sequence number + HMAC); a stream idle longer than `streamIdleMs` (sqld: 10 s) is expired
 *   and rolled back; using its baton answers HTTP 500 `STREAM_EXPIRED`. A reused or forged baton answers HTTP 400.
 * - SQL errors become Hrana errors with sqld's codes (`SQLITE_CONSTRAINT`, `SQL_INPUT_ERROR`, `SQL_PARSE_ERROR`,
 *   `SQL_MANY_STATEMENTS`, …). Statements sqld refuses (VACUUM, ANALYZE, ATTACH, temp tables, unknown PRAGMAs or
 *   PRAGMA assignments like `PRAGMA journal_mode=WAL`) are refused the same way.
 * - `affected_row_count` only for INSERT/UPDATE/DELETE and `last_insert_rowid` only for INSERT, like sqld.
 * - `Authorization: Bearer <token>` is checked when `authToken` is set: 401 `{"error": …}` otherwise.
 * - `GET /v2`, `GET /v3`, `GET /health`, `GET /version` answer 200; `/v3-protobuf` and `/v3/cursor` answer 404
 *   (not implemented), so a client that probes falls back to JSON pipelines.
 *
 * Not like sqld: a write that meets another stream's write lock fails at once with SQLITE_BUSY (sqld waits for
 * the lock); no protobuf encoding, no cursors, no replication indexes, no namespaces; SQL_INPUT_ERROR messages
 * have no "(at offset N)".
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import Database from 'libsql';

type Conn = InstanceType<typeof Database>;

/** The part of the native (better-sqlite3 style) statement API the fake uses. */
interface NativeStatement {
  readonly reader: boolean;
  safeIntegers(on?: boolean): NativeStatement;
  raw(on?: boolean): NativeStatement;
  columns(): { name: string; type: string | null }[];
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}

function prepareNative(conn: Conn, sql: string): NativeStatement {
  return conn.prepare(sql) as unknown as NativeStatement;
}

export interface FakeSqldOptions {
  /** The database file every stream opens (created if missing; WAL is enabled). */
  dbPath: string;
  /** When set, requests must carry `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** Idle time after which a stream expires and its transaction is rolled back (sqld: 10 000 ms). */
  streamIdleMs?: number;
}

/** One HTTP request the fake received. */
export interface FakeSqldRequest {
  method: string;
  path: string;
  status: number;
  /** Whether the request continued a stream (carried a baton). */
  withBaton: boolean;
  /** Whether the response handed out a baton (the stream stays open). */
  batonReturned: boolean;
  /** Pipeline request types in order, e.g. `['batch', 'close']`. */
  types: string[];
  /** SQL texts executed (execute, batch steps, sequence), in order. */
  sql: string[];
  /** Statement errors returned inside the (HTTP 200) response, as `CODE: message`. */
  errors: string[];
  at: number;
}

export interface FakeSqld {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly requests: FakeSqldRequest[];
  /** Streams currently open (each holds one connection). */
  openStreams(): number;
  /** Streams that expired because the client went idle. */
  expiredStreams(): number;
  /** The next `n` requests (health checks aside) are refused with 401, as sqld answers a token it doesn't accept. */
  rejectNext(n?: number): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Hrana JSON types (only what the server reads/writes)

type ProtoValue =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string };

interface ProtoStmt {
  sql?: string;
  sql_id?: number;
  args?: ProtoValue[];
  named_args?: { name: string; value: ProtoValue }[];
  want_rows?: boolean;
}

type ProtoCond =
  | { type: 'ok'; step: number }
  | { type: 'error'; step: number }
  | { type: 'not'; cond: ProtoCond }
  | { type: 'and'; conds: ProtoCond[] }
  | { type: 'or'; conds: ProtoCond[] }
  | { type: 'is_autocommit' };

interface ProtoError {
  message: string;
  code: string;
}

interface StmtResult {
  cols: { name: string; decltype: string | null }[];
  rows: ProtoValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
  rows_read: number;
  rows_written: number;
  query_duration_ms: number;
}

/** An error reported for one request inside an otherwise fine pipeline (`{ type: 'error' }`). */
class StmtError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A malformed request: the whole HTTP request fails with 400 text/plain, like sqld's ProtocolError. */
class ProtocolError extends Error {}

/** The stream behind a baton expired: HTTP 500 with a JSON error, like sqld's StreamError. */
class StreamExpiredError extends Error {
  constructor() {
    super('The stream has expired due to inactivity');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A small SQL lexer: enough to split statements (trigger bodies included), classify them like sqld and list
// parameter names for `describe`.

interface Token {
  kind: 'word' | 'string' | 'param' | 'punct' | 'number';
  text: string;
  upper: string;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: Token['kind'], text: string): void => {
    tokens.push({ kind, text, upper: kind === 'word' ? text.toUpperCase() : text });
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) break;
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      push(c === "'" ? 'string' : 'word', sql.slice(i, j + 1));
      i = j + 1;
    } else if (c === '?' || ((c === ':' || c === '@' || c === '$') && /[\p{L}\p{N}_]/u.test(sql[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql[j] as string)) j++;
      push('param', sql.slice(i, j));
      i = j;
    } else if (/[\p{L}_]/u.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql[j] as string)) j++;
      push('word', sql.slice(i, j));
      i = j;
    } else if (/[0-9.]/.test(c) && /[0-9]/.test(c === '.' ? (sql[i + 1] ?? '') : c)) {
      let j = i + 1;
      while (j < sql.length && /[0-9a-zA-Z_.]/.test(sql[j] as string)) j++;
      push('number', sql.slice(i, j));
      i = j;
    } else {
      push('punct', c);
      i++;
    }
  }
  return tokens;
}

/** Splits into non-empty statements; `;` inside a CREATE TRIGGER body (BEGIN … END) does not split. */
function splitStatements(sql: string): { text: string; tokens: Token[] }[] {
  return cutAtTopLevelSemicolons(sql).map((text) => ({ text, tokens: tokenize(text) }));
}

/** Source text of each non-empty statement. */
function cutAtTopLevelSemicolons(sql: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  let depth = 0;
  let isTrigger = false;
  let first: string | undefined;
  let i = 0;
  const flush = (end: number): void => {
    const piece = sql.slice(start, end);
    if (tokenize(piece).length > 0) pieces.push(piece.trim());
    start = end + 1;
    first = undefined;
    isTrigger = false;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
    } else if (/[\p{L}_]/u.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\p{L}\p{N}_$]/u.test(sql[j] as string)) j++;
      const word = sql.slice(i, j).toUpperCase();
      first ??= word;
      if (word === 'TRIGGER' && first === 'CREATE') isTrigger = true;
      if (isTrigger && (word === 'BEGIN' || word === 'CASE')) depth++;
      if (isTrigger && word === 'END' && depth > 0) depth--;
      i = j;
    } else if (c === ';' && depth === 0) {
      flush(i);
      i++;
    } else {
      i++;
    }
  }
  flush(sql.length);
  return pieces;
}

interface Classified {
  isIud: boolean;
  isInsert: boolean;
  isReadonly: boolean;
  isExplain: boolean;
}

const READ_PRAGMAS = new Set([
  'table_list',
  'index_list',
  'table_info',
  'table_xinfo',
  'index_xinfo',
  'pragma_list',
  'compile_options',
  'database_list',
  'function_list',
  'module_list',
  'encoding',
]);
const WRITE_PRAGMAS = new Set([
  'defer_foreign_keys',
  'foreign_keys',
  'foreign_key_list',
  'foreign_key_check',
  'collation_list',
  'data_version',
  'freelist_count',
  'integrity_check',
  'legacy_file_format',
  'page_count',
  'quick_check',
  'stats',
  'user_version',
]);
const NO_ARG_PRAGMAS = new Set(
  (
    'analysis_limit application_id auto_vacuum automatic_index busy_timeout cache_size cache_spill cell_size_check ' +
    'checkpoint_fullfsync fullfsync hard_heap_limit journal_mode journal_size_limit legacy_alter_table locking_mode ' +
    'max_page_count mmap_size page_size query_only read_uncommitted recursive_triggers reverse_unordered_selects ' +
    'schema_version secure_delete soft_heap_limit synchronous temp_store threads trusted_schema wal_autocheckpoint'
  ).split(' '),
);

function unquote(word: string): string {
  const first = word[0];
  if (first === '"' || first === '`' || first === '[') return word.slice(1, -1);
  return word;
}

/** Classifies a statement like sqld's query_analysis.rs; undefined = "unsupported statement". */
function classify(tokens: Token[]): Classified | undefined {
  const base = { isIud: false, isInsert: false, isReadonly: false, isExplain: false };
  const w = (k: number): string => tokens[k]?.upper ?? '';
  const first = w(0);
  if (first === 'EXPLAIN') return { ...base, isExplain: true, isReadonly: true };
  if (first === 'SELECT' || first === 'VALUES') return { ...base, isReadonly: true };
  if (first === 'BEGIN' || first === 'COMMIT' || first === 'END' || first === 'ROLLBACK')
    return { ...base, isReadonly: true };
  if (first === 'SAVEPOINT' || first === 'RELEASE') return base;
  if (first === 'INSERT' || first === 'REPLACE') return { ...base, isIud: true, isInsert: true };
  if (first === 'UPDATE' || first === 'DELETE') return { ...base, isIud: true };
  if (first === 'ALTER' || first === 'DROP') return base;
  if (first === 'WITH') {
    let depth = 0;
    for (const t of tokens.slice(1)) {
      if (t.kind === 'punct' && t.text === '(') depth++;
      else if (t.kind === 'punct' && t.text === ')') depth--;
      else if (depth === 0 && t.kind === 'word') {
        if (t.upper === 'SELECT' || t.upper === 'VALUES') return { ...base, isReadonly: true };
        if (t.upper === 'INSERT' || t.upper === 'REPLACE') return { ...base, isIud: true, isInsert: true };
        if (t.upper === 'UPDATE' || t.upper === 'DELETE') return { ...base, isIud: true };
      }
    }
    return undefined;
  }
  if (first === 'CREATE') {
    let k = 1;
    if (w(k) === 'TEMP' || w(k) === 'TEMPORARY') return undefined; // bound to a connection: refused by sqld
    if (w(k) === 'UNIQUE') k++;
    const what = w(k);
    if (what === 'VIRTUAL' || what === 'INDEX' || what === 'TRIGGER' || what === 'VIEW') return base;
    if (what === 'TABLE') {
      let n = k + 1;
      if (w(n) === 'IF') n += 3; // IF NOT EXISTS
      if (tokens[n + 1]?.text === '.' && unquote(tokens[n]?.text ?? '').toUpperCase() === 'TEMP') return undefined;
      return base;
    }
    return undefined;
  }
  if (first === 'PRAGMA') {
    let k = 1;
    if (tokens[k + 1]?.text === '.') k += 2; // schema-qualified
    const name = unquote(tokens[k]?.text ?? '').toLowerCase();
    const hasBody = tokens.length > k + 1;
    if (READ_PRAGMAS.has(name)) return { ...base, isReadonly: true };
    if (WRITE_PRAGMAS.has(name)) return base;
    if (NO_ARG_PRAGMAS.has(name) && !hasBody) return base;
    return undefined;
  }
  return undefined; // VACUUM, ANALYZE, REINDEX, ATTACH, DETACH, …
}

// ---------------------------------------------------------------------------------------------------------------
// Values and errors

function valueFromProto(v: unknown): null | bigint | number | string | Buffer {
  if (typeof v !== 'object' || v === null)
    throw new ProtocolError('Could not deserialize JSON request body: invalid value');
  const value = v as Record<string, unknown>;
  switch (value.type) {
    case 'null':
      return null;
    case 'integer':
      if (typeof value.value !== 'string' && typeof value.value !== 'number')
        throw new ProtocolError('invalid integer value');
      return BigInt(value.value);
    case 'float':
      if (typeof value.value !== 'number') throw new ProtocolError('invalid float value');
      return value.value;
    case 'text':
      if (typeof value.value !== 'string') throw new ProtocolError('invalid text value');
      return value.value;
    case 'blob':
      if (typeof value.base64 !== 'string') throw new ProtocolError('invalid blob value');
      return Buffer.from(value.base64, 'base64');
    default:
      throw new ProtocolError(
        `Could not deserialize JSON request body: unknown value type ${JSON.stringify(value.type)}`,
      );
  }
}

function valueToProto(v: unknown): ProtoValue {
  if (v === null || v === undefined) return { type: 'null' };
  if (typeof v === 'bigint') return { type: 'integer', value: v.toString() };
  if (typeof v === 'number') return { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'text', value: v };
  if (v instanceof Uint8Array)
    return {
      type: 'blob',
      base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64').replace(/=+$/, ''),
    };
  throw new Error(`fake-sqld: unexpected column value ${String(v)}`);
}

const PRIMARY_CODES: Record<number, string> = {
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
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};

/** Maps a libsql native error to sqld's Hrana error (message and code). */
function sqliteError(err: unknown, phase: 'prepare' | 'step'): StmtError {
  const e = err as { message?: string; rawCode?: number; code?: string };
  const message = e.message ?? String(err);
  const primary = typeof e.rawCode === 'number' ? e.rawCode & 0xff : 1;
  if (phase === 'prepare' && primary === 1) {
    if (/syntax error|incomplete input|unrecognized token/.test(message)) {
      return new StmtError(`SQL string could not be parsed: ${message}`, 'SQL_PARSE_ERROR');
    }
    return new StmtError(`SQL input error: ${message}`, 'SQL_INPUT_ERROR');
  }
  return new StmtError(`SQLite error: ${message}`, PRIMARY_CODES[primary] ?? 'SQLITE_UNKNOWN');
}

function scalar(conn: Conn, sql: string): unknown {
  const rows = prepareNative(conn, sql).safeIntegers(true).raw(true).all() as unknown[][];
  return rows[0]?.[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Streams

interface Stream {
  id: string;
  seq: number;
  conn: Conn | undefined;
  sqls: Map<number, string>;
  timer: NodeJS.Timeout | undefined;
}

export async function createFakeSqld(options: FakeSqldOptions): Promise<FakeSqld> {
  const idleMs = options.streamIdleMs ?? 10_000;
  const batonKey = randomBytes(32);
  const streams = new Map<string, Stream>();
  const expired = new Set<string>();
  const requests: FakeSqldRequest[] = [];
  let expiredCount = 0;
  let rejections = 0;

  // WAL once, on a setup connection (it persists in the file), like sqld's own WAL.
  {
    const setup = new Database(options.dbPath);
    setup.exec('PRAGMA journal_mode=WAL');
    setup.close();
  }

  function mac(payload: string): string {
    return createHmac('sha256', batonKey).update(payload).digest('base64url');
  }
  function encodeBaton(s: Stream): string {
    const payload = Buffer.from(`${s.id}:${s.seq}`).toString('base64url');
    return `${payload}.${mac(payload)}`;
  }
  function decodeBaton(baton: string): { id: string; seq: number } {
    const [payload, sig] = baton.split('.');
    if (!payload || !sig || mac(payload) !== sig) throw new ProtocolError('Received an invalid baton');
    const [id, seq] = Buffer.from(payload, 'base64url').toString().split(':');
    if (!id || seq === undefined) throw new ProtocolError('Received an invalid baton');
    return { id, seq: Number(seq) };
  }

  function closeConn(conn: Conn | undefined): void {
    if (!conn) return;
    try {
      // Roll back explicitly: a connection with a live statement may otherwise keep its lock after close().
      if (conn.inTransaction) conn.exec('ROLLBACK');
    } catch {
      // already rolled back
    }
    try {
      conn.close();
    } catch {
      // closing twice is harmless here
    }
  }

  function dropStream(s: Stream): void {
    if (s.timer) clearTimeout(s.timer);
    closeConn(s.conn);
    s.conn = undefined;
    streams.delete(s.id);
  }

  function armExpiry(s: Stream): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      expiredCount++;
      expired.add(s.id);
      dropStream(s);
    }, idleMs);
    s.timer.unref();
  }

  function acquire(baton: unknown): Stream {
    if (baton === null || baton === undefined) {
      const s: Stream = {
        id: randomBytes(8).toString('hex'),
        seq: randomBytes(4).readUInt32BE(0),
        conn: new Database(options.dbPath),
        sqls: new Map(),
        timer: undefined,
      };
      streams.set(s.id, s);
      return s;
    }
    if (typeof baton !== 'string')
      throw new ProtocolError('Could not deserialize JSON request body: baton must be a string');
    const { id, seq } = decodeBaton(baton);
    if (expired.has(id)) throw new StreamExpiredError();
    const s = streams.get(id);
    if (!s) throw new ProtocolError('Received an invalid baton');
    if (s.seq !== seq) throw new ProtocolError('Received a baton that has already been used');
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    s.seq = (s.seq + 1) >>> 0;
    return s;
  }

  function resolveSql(s: Stream, sql: unknown, sqlId: unknown): string {
    if (typeof sql === 'string' && sqlId === undefined) return sql;
    if (sql === undefined && typeof sqlId === 'number') {
      const stored = s.sqls.get(sqlId);
      if (stored === undefined) throw new ProtocolError(`SQL text with id ${sqlId} was not found`);
      return stored;
    }
    if (sql !== undefined && sqlId !== undefined) throw new ProtocolError('Both `sql` and `sql_id` were given');
    throw new ProtocolError('Neither `sql` nor `sql_id` was given');
  }

  function connOf(s: Stream): Conn {
    if (!s.conn) throw new ProtocolError('The stream for this baton was closed');
    return s.conn;
  }

  function executeStmt(s: Stream, stmt: ProtoStmt, executed: string[]): StmtResult {
    if (typeof stmt !== 'object' || stmt === null)
      throw new ProtocolError('Could not deserialize JSON request body: stmt');
    const conn = connOf(s);
    const sql = resolveSql(s, stmt.sql, stmt.sql_id);
    executed.push(sql);
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new StmtError('SQL string does not contain any statement', 'SQL_NO_STATEMENT');
    if (statements.length > 1)
      throw new StmtError('SQL string contains more than one statement', 'SQL_MANY_STATEMENTS');
    const only = statements[0] as { text: string; tokens: Token[] };
    const kind = classify(only.tokens);
    if (!kind) throw new StmtError(`SQL string could not be parsed: unsupported statement: ${sql}`, 'SQL_PARSE_ERROR');
    const args = stmt.args ?? [];
    const named = stmt.named_args ?? [];
    if (args.length > 0 && named.length > 0) {
      throw new StmtError(
        'Specifying both positional and named arguments is not supported',
        'ARGS_BOTH_POSITIONAL_AND_NAMED',
      );
    }
    let params: unknown[] | Record<string, unknown>;
    if (named.length > 0) {
      const byName: Record<string, unknown> = {};
      // the native binding wants names without their prefix (`:x`, `@x`, `$x`)
      for (const a of named) byName[a.name.replace(/^[:@$]/, '')] = valueFromProto(a.value);
      params = byName;
    } else {
      params = args.map(valueFromProto);
    }

    let prepared: NativeStatement;
    try {
      prepared = prepareNative(conn, sql);
    } catch (err) {
      throw sqliteError(err, 'prepare');
    }
    const started = performance.now();
    try {
      prepared.safeIntegers(true);
      const bind = Array.isArray(params) ? params : [params];
      const columns = prepared.reader ? prepared.columns() : [];
      let rows: unknown[][] = [];
      if (prepared.reader) {
        rows = prepared.raw(true).all(...bind) as unknown[][];
      } else {
        prepared.run(...bind);
      }
      // like sqld: changes only for INSERT/UPDATE/DELETE, the rowid only for INSERT
      const changes = kind.isIud ? Number(scalar(conn, 'SELECT changes()')) : 0;
      const rowid = kind.isInsert ? String(scalar(conn, 'SELECT last_insert_rowid()')) : null;
      return {
        cols: columns.map((c) => ({ name: c.name, decltype: c.type })),
        rows: stmt.want_rows === false ? [] : rows.map((r) => r.map(valueToProto)),
        affected_row_count: changes,
        last_insert_rowid: rowid,
        rows_read: rows.length,
        rows_written: changes,
        query_duration_ms: performance.now() - started,
      };
    } catch (err) {
      if (err instanceof StmtError || err instanceof ProtocolError) throw err;
      throw sqliteError(err, 'step');
    }
  }

  function evalCond(cond: ProtoCond, results: boolean[], conn: Conn, version: number): boolean {
    switch (cond.type) {
      case 'ok':
      case 'error': {
        const r = results[cond.step];
        if (r === undefined) throw new StmtError(`Invalid batch step: ${cond.step}`, 'INVALID_BATCH_STEP');
        return cond.type === 'ok' ? r : !r;
      }
      case 'not':
        return !evalCond(cond.cond, results, conn, version);
      case 'and':
        return cond.conds.every((c) => evalCond(c, results, conn, version));
      case 'or':
        return cond.conds.some((c) => evalCond(c, results, conn, version));
      case 'is_autocommit':
        if (version < 3)
          throw new ProtocolError('The `is_autocommit` condition is only supported in Hrana 3 and higher');
        return !conn.inTransaction;
      default:
        throw new ProtocolError(`Unknown batch condition ${JSON.stringify((cond as { type: unknown }).type)}`);
    }
  }

  function executeBatch(
    s: Stream,
    batch: { steps?: { stmt: ProtoStmt; condition?: ProtoCond | null }[] },
    executed: string[],
    version: number,
  ) {
    const conn = connOf(s);
    const steps = batch?.steps;
    if (!Array.isArray(steps)) throw new ProtocolError('Could not deserialize JSON request body: batch.steps');
    const results: boolean[] = [];
    const stepResults: (StmtResult | null)[] = [];
    const stepErrors: (ProtoError | null)[] = [];
    for (const step of steps) {
      let enabled = true;
      let condError: ProtoError | null = null;
      if (step.condition) {
        try {
          enabled = evalCond(step.condition, results, conn, version);
        } catch (err) {
          if (!(err instanceof StmtError)) throw err;
          condError = { message: err.message, code: err.code };
          enabled = false;
        }
      }
      if (!enabled) {
        results.push(false);
        stepResults.push(null);
        stepErrors.push(condError);
        continue;
      }
      try {
        stepResults.push(executeStmt(s, step.stmt, executed));
        stepErrors.push(null);
        results.push(true);
      } catch (err) {
        if (!(err instanceof StmtError)) throw err;
        stepResults.push(null);
        stepErrors.push({ message: err.message, code: err.code });
        results.push(false);
      }
    }
    return { step_results: stepResults, step_errors: stepErrors };
  }

  function executeSequence(s: Stream, sql: string, executed: string[]): void {
    const conn = connOf(s);
    executed.push(sql);
    for (const piece of splitStatements(sql)) {
      if (!classify(piece.tokens)) {
        throw new StmtError(`SQL string could not be parsed: unsupported statement: ${piece.text}`, 'SQL_PARSE_ERROR');
      }
      let prepared: NativeStatement;
      try {
        prepared = prepareNative(conn, piece.text);
      } catch (err) {
        throw sqliteError(err, 'prepare');
      }
      try {
        if (prepared.reader) prepared.raw(true).all();
        else prepared.run();
      } catch (err) {
        throw sqliteError(err, 'step');
      }
    }
  }

  function describe(s: Stream, sql: string) {
    const conn = connOf(s);
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new StmtError('SQL string does not contain any statement', 'SQL_NO_STATEMENT');
    if (statements.length > 1)
      throw new StmtError('SQL string contains more than one statement', 'SQL_MANY_STATEMENTS');
    const only = statements[0] as { text: string; tokens: Token[] };
    const kind = classify(only.tokens);
    if (!kind) throw new StmtError(`SQL string could not be parsed: unsupported statement: ${sql}`, 'SQL_PARSE_ERROR');
    let prepared: NativeStatement;
    try {
      prepared = prepareNative(conn, sql);
    } catch (err) {
      throw sqliteError(err, 'prepare');
    }
    const params: { name: string | null }[] = [];
    const seen = new Set<string>();
    for (const t of only.tokens) {
      if (t.kind !== 'param') continue;
      if (t.text === '?') params.push({ name: null });
      else if (!seen.has(t.text)) {
        seen.add(t.text);
        params.push({ name: t.text });
      }
    }
    return {
      params,
      cols: (prepared.reader ? prepared.columns() : []).map((c) => ({ name: c.name, decltype: c.type })),
      is_explain: kind.isExplain,
      is_readonly: kind.isReadonly,
    };
  }

  function handleRequest(s: Stream, req: Record<string, unknown>, version: number, record: FakeSqldRequest): unknown {
    const executed = record.sql;
    const type = req.type;
    try {
      switch (type) {
        case 'close':
          closeConn(s.conn);
          s.conn = undefined;
          return { type: 'ok', response: { type: 'close' } };
        case 'execute':
          return { type: 'ok', response: { type: 'execute', result: executeStmt(s, req.stmt as ProtoStmt, executed) } };
        case 'batch': {
          const result = executeBatch(s, req.batch as never, executed, version);
          for (const e of result.step_errors) if (e) record.errors.push(`${e.code}: ${e.message}`);
          return { type: 'ok', response: { type: 'batch', result } };
        }
        case 'sequence':
          executeSequence(s, resolveSql(s, req.sql, req.sql_id), executed);
          return { type: 'ok', response: { type: 'sequence' } };
        case 'describe':
          return {
            type: 'ok',
            response: { type: 'describe', result: describe(s, resolveSql(s, req.sql, req.sql_id)) },
          };
        case 'store_sql': {
          const id = req.sql_id;
          if (typeof id !== 'number' || typeof req.sql !== 'string')
            throw new ProtocolError('Could not deserialize JSON request body: store_sql');
          if (s.sqls.has(id)) throw new ProtocolError(`SQL text with id ${id} already exists`);
          if (s.sqls.size >= 50)
            throw new StmtError(
              `The server already stores ${s.sqls.size} SQL texts, it cannot store more`,
              'SQL_STORE_TOO_MANY',
            );
          if (Buffer.byteLength(req.sql) > 5000)
            throw new StmtError('The statement is too large to be stored', 'SQL_STORE_TOO_LARGE');
          s.sqls.set(id, req.sql);
          return { type: 'ok', response: { type: 'store_sql' } };
        }
        case 'close_sql':
          if (typeof req.sql_id === 'number') s.sqls.delete(req.sql_id);
          return { type: 'ok', response: { type: 'close_sql' } };
        case 'get_autocommit':
          if (version < 3)
            throw new ProtocolError('The `get_autocommit` request is only supported in Hrana 3 and higher');
          return { type: 'ok', response: { type: 'get_autocommit', is_autocommit: !connOf(s).inTransaction } };
        default:
          throw new ProtocolError(
            `Could not deserialize JSON request body: unknown request type ${JSON.stringify(type)}`,
          );
      }
    } catch (err) {
      if (err instanceof StmtError) {
        record.errors.push(`${err.code}: ${err.message}`);
        return { type: 'error', error: { message: err.message, code: err.code } };
      }
      throw err;
    }
  }

  function readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolveBody, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolveBody(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
    const text = contentType === 'application/json' ? JSON.stringify(body) : String(body);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const record: FakeSqldRequest = {
      method,
      path,
      status: 0,
      withBaton: false,
      batonReturned: false,
      types: [],
      sql: [],
      errors: [],
      at: Date.now(),
    };
    requests.push(record);
    const reply = (status: number, body: unknown, contentType?: string): void => {
      record.status = status;
      send(res, status, body, contentType);
    };
    const body = await readBody(req);

    if (method === 'GET' && path === '/health') return reply(200, '', 'text/plain');
    if (rejections > 0) {
      rejections--;
      return reply(401, { error: 'Unauthorized: `The JWT is invalid`' });
    }
    if (options.authToken !== undefined) {
      const header = req.headers.authorization;
      if (!header) return reply(401, { error: 'Unauthorized: `Expected authorization header but none given`' });
      if (header !== `Bearer ${options.authToken}`) return reply(401, { error: 'Unauthorized: `The JWT is invalid`' });
    }
    if (method === 'GET' && path === '/version') return reply(200, 'fake-sqld (Hrana over HTTP, JSON)', 'text/plain');
    if (method === 'GET' && (path === '/v2' || path === '/v3')) {
      return reply(200, `Hello, this is HTTP API ${path.slice(1)} (Hrana over HTTP)`, 'text/plain');
    }
    const pipeline = /^\/v([23])\/pipeline$/.exec(path);
    if (method !== 'POST' || !pipeline) return reply(404, 'Not Found', 'text/plain');
    const version = Number(pipeline[1]);

    let parsed: { baton?: unknown; requests?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
      if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.requests)) throw new Error('requests');
    } catch {
      return reply(400, 'Could not deserialize JSON request body', 'text/plain');
    }
    record.withBaton = typeof parsed.baton === 'string';
    record.types = (parsed.requests as Record<string, unknown>[]).map((r) => String(r?.type));

    let stream: Stream;
    try {
      stream = acquire(parsed.baton);
    } catch (err) {
      if (err instanceof StreamExpiredError) return reply(500, { message: err.message, code: 'STREAM_EXPIRED' });
      return reply(400, (err as Error).message, 'text/plain');
    }
    try {
      const results = (parsed.requests as Record<string, unknown>[]).map((r) =>
        handleRequest(stream, r ?? {}, version, record),
      );
      let baton: string | null = null;
      if (stream.conn) {
        baton = encodeBaton(stream);
        armExpiry(stream);
      } else {
        dropStream(stream);
      }
      record.batonReturned = baton !== null;
      return reply(200, { baton, base_url: null, results });
    } catch (err) {
      // A protocol error ends the stream, as sqld drops the guard without releasing it.
      dropStream(stream);
      if (err instanceof ProtocolError) return reply(400, err.message, 'text/plain');
      return reply(500, { error: `Internal Error: \`${(err as Error).message}\`` });
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    openStreams: () => streams.size,
    expiredStreams: () => expiredCount,
    rejectNext(n = 1) {
      rejections += n;
    },
    async close() {
      for (const s of [...streams.values()]) dropStream(s);
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

/** Reads rows straight from the database file the fake serves (what a server operator would see). */
export function readFile<T>(dbPath: string, sql: string): T[] {
  const db = new Database(dbPath);
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** A port nothing listens on (bound, then released): an unreachable server. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
