import type { Client, InValue, ResultSet } from '@libsql/client';
import type { Engine, EngineTx, Row, RunResult, SqlArgs } from './types.ts';

function toRun(rs: ResultSet): RunResult {
  return { changes: rs.rowsAffected, lastInsertRowid: rs.lastInsertRowid };
}

function toRows(rs: ResultSet): Row[] {
  return rs.rows as unknown as Row[];
}

const stmt = (sql: string, args: SqlArgs | undefined) => ({ sql, args: (args ?? []) as InValue[] });

const NO_STATEMENTS = { size: 0, limit: 0, prepared: 0, reused: 0, evicted: 0 };

/**
 * A remote database (libsql://, https://, http://: sqld or Turso) through @libsql/client. Each statement is sent to
 * the server; nothing is prepared in this process, so nothing accumulates here. The client (with its WebSocket and
 * Hrana stack, ~18 MB) is loaded only here, when a remote URL is configured: a local bot never loads it.
 */
export function openRemoteEngine(options: { url: string; authToken?: string; busyTimeoutMs: number }): Engine {
  let opened: Promise<Client> | undefined;
  const connect = (): Promise<Client> => {
    opened ??= import('@libsql/client').then(({ createClient }) =>
      createClient({
        url: options.url,
        authToken: options.authToken,
        timeout: options.busyTimeoutMs,
      } as Parameters<typeof createClient>[0]),
    );
    return opened;
  };
  return {
    async init() {
      await (await connect()).execute('SELECT 1');
    },
    async query(sql, args) {
      return toRows(await (await connect()).execute(stmt(sql, args)));
    },
    async run(sql, args) {
      return toRun(await (await connect()).execute(stmt(sql, args)));
    },
    async batch(statements) {
      const results = await (await connect()).batch(
        statements.map((s) => stmt(s.sql, s.args)),
        'write',
      );
      return results.map(toRun);
    },
    async begin() {
      const tx = await (await connect()).transaction('write');
      const handle: EngineTx = {
        async query(sql, args) {
          return toRows(await tx.execute(stmt(sql, args)));
        },
        async run(sql, args) {
          return toRun(await tx.execute(stmt(sql, args)));
        },
        commit: () => tx.commit(),
        rollback: () => tx.rollback(),
        close: () => tx.close(),
      };
      return handle;
    },
    async checkpoint() {
      // The server owns its files.
    },
    isDatabaseError(err) {
      return err instanceof Error && err.name === 'LibsqlError';
    },
    stats() {
      return { statements: { ...NO_STATEMENTS } };
    },
    close() {
      // Never opened: nothing to close (and nothing to load just to close it).
      void opened?.then((client) => client.close()).catch(() => undefined);
    },
  };
}
