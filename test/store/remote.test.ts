/**
 * The Store against a remote libSQL server: the REAL @libsql/client speaks Hrana over HTTP to test/support/fake-sqld.ts,
 * which runs every statement on a real libSQL database file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreError } from '../../src/core/errors.ts';
import { decodeVector, encodeVector, vectorFromBlob } from '../../src/vectors/vectors.ts';
import { createStore, describeUrl } from '../../src/store/db.ts';
import { type Migration, migrations } from '../../src/store/migrations/index.ts';
import { type FakeSqld, closedPort, createFakeSqld, readFile } from '../support/fake-sqld.ts';

const TOKEN = 'remote-secret-token-123';

const dirs: string[] = [];
function tempPath(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-remote-'));
  dirs.push(dir);
  return join(dir, name);
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const counterMigration: Migration[] = [
  {
    version: 1,
    name: 'counter',
    statements: [
      'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)',
      'CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, data BLOB)',
      'INSERT INTO counter (id, n) VALUES (1, 0)',
    ],
  },
];

async function withFake<T>(fn: (fake: FakeSqld, dbPath: string) => Promise<T>): Promise<T> {
  const dbPath = tempPath('remote.db');
  const fake = await createFakeSqld({ dbPath, authToken: TOKEN });
  try {
    return await fn(fake, dbPath);
  } finally {
    await fake.close();
  }
}

/** Reads the fake server's database file directly (not over HTTP). */

describe('store over a remote libSQL server (Hrana over HTTP)', () => {
  it('applies every real migration over HTTP, idempotently, giving the same schema as a local file', async () => {
    await withFake(async (fake, dbPath) => {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations });
      assert.equal(store.kind, 'remote');
      await store.close();
      const firstRunRequests = fake.requests.length;
      assert.ok(
        fake.requests.some((r) => r.withBaton),
        'migrations ran as interactive transactions whose statements span HTTP requests (batons)',
      );

      const again = await createStore({ url: fake.url, authToken: TOKEN, migrations });
      const versions = (await again.query('SELECT version FROM schema_migrations ORDER BY version')).map(
        (r) => r.version,
      );
      assert.deepEqual(
        versions,
        migrations.map((m) => m.version).sort((a, b) => a - b),
      );
      await again.close();
      const secondRun = fake.requests.slice(firstRunRequests);
      assert.ok(
        !secondRun.some((r) => r.sql.some((s) => /^BEGIN IMMEDIATE/.test(s))),
        'the second start applies nothing',
      );

      const local = tempPath('local.db');
      const localStore = await createStore({ url: `file:${local}`, migrations });
      await localStore.close();
      const schema = (path: string) =>
        readFile<{ type: string; name: string }>(
          path,
          "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        ).map((r) => `${r.type}:${r.name}`);
      assert.deepEqual(schema(dbPath), schema(local), 'the remote database file has exactly the local schema');
      assert.equal(fake.openStreams(), 0, 'every stream was closed');
    });
  });

  it('reads and writes with positional and named arguments', async () => {
    await withFake(async (fake, dbPath) => {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations: counterMigration });
      const res = await store.run('INSERT INTO items (name, data) VALUES (?, ?)', ['alpha', null]);
      assert.equal(res.changes, 1);
      assert.equal(res.lastInsertRowid, 1n);
      await store.run('INSERT INTO items (name) VALUES (:name)', { name: 'beta' });
      const rows = await store.query('SELECT id, name FROM items WHERE name IN (?, ?) ORDER BY id', ['alpha', 'beta']);
      assert.deepEqual(
        rows.map((r) => ({ ...r })),
        [
          { id: 1, name: 'alpha' },
          { id: 2, name: 'beta' },
        ],
      );
      assert.equal(typeof rows[0]?.id, 'number', 'integers arrive as numbers over HTTP too');
      assert.equal((await store.get('SELECT name FROM items WHERE id = ?', [2]))?.name, 'beta');
      assert.equal(await store.get('SELECT name FROM items WHERE id = ?', [99]), undefined);
      const upd = await store.run('UPDATE items SET name = name || ?', ['!']);
      assert.equal(upd.changes, 2);
      await store.close();
      assert.deepEqual(
        readFile<{ name: string }>(dbPath, 'SELECT name FROM items ORDER BY id').map((r) => r.name),
        ['alpha!', 'beta!'],
        'writes reached the server file',
      );
    });
  });

  it('rolls back a write() transaction that throws, over several HTTP requests, and keeps working', async () => {
    await withFake(async (fake, dbPath) => {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations: counterMigration });
      const before = fake.requests.length;
      await assert.rejects(
        store.write(async (tx) => {
          await tx.run('INSERT INTO items (name) VALUES (?)', ['doomed']);
          const [row] = await tx.query('SELECT count(*) AS n FROM items');
          assert.equal(row?.n, 1, 'the transaction sees its own write');
          throw new Error('boom');
        }),
        /boom/,
      );
      const txRequests = fake.requests.slice(before);
      assert.ok(
        txRequests.length >= 3,
        `BEGIN, the read and ROLLBACK were separate HTTP requests (${txRequests.length})`,
      );
      assert.ok(
        txRequests.some((r) => r.sql.includes('ROLLBACK') && r.withBaton),
        'ROLLBACK went to the same stream',
      );
      assert.equal((await store.get('SELECT count(*) AS n FROM items'))?.n, 0);
      assert.equal(readFile<{ n: number }>(dbPath, 'SELECT count(*) AS n FROM items')[0]?.n, 0);
      await store.run('INSERT INTO items (name) VALUES (?)', ['after']);
      assert.equal((await store.get('SELECT count(*) AS n FROM items'))?.n, 1);
      await store.close();
      assert.equal(fake.openStreams(), 0, 'the rolled-back stream was closed');
    });
  });

  it('makes a failing batch atomic and reports the constraint', async () => {
    await withFake(async (fake) => {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations: counterMigration });
      await store.run('INSERT INTO items (name) VALUES (?)', ['taken']);
      await assert.rejects(
        store.batch([
          { sql: 'INSERT INTO items (name) VALUES (?)', args: ['fresh'] },
          { sql: 'INSERT INTO items (name) VALUES (?)', args: ['taken'] },
        ]),
        (err: unknown) => {
          assert.ok(err instanceof StoreError, 'a StoreError');
          assert.equal(err.code, 'store_failed');
          assert.match(err.message, /UNIQUE constraint failed: items\.name/);
          return true;
        },
      );
      assert.deepEqual(
        (await store.query('SELECT name FROM items ORDER BY id')).map((r) => r.name),
        ['taken'],
        'the first statement was rolled back',
      );
      const ok = await store.batch([
        { sql: 'INSERT INTO items (name) VALUES (?)', args: ['b1'] },
        { sql: 'UPDATE counter SET n = n + 5 WHERE id = 1' },
      ]);
      assert.deepEqual(
        ok.map((r) => r.changes),
        [1, 1],
      );
      assert.equal((await store.get('SELECT n FROM counter WHERE id = 1'))?.n, 5);
      await store.close();
    });
  });

  it('serializes 50 concurrent read-modify-write transactions (the count ends right)', async () => {
    await withFake(async (fake, dbPath) => {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations: counterMigration });
      const before = fake.requests.length;
      await Promise.all(
        Array.from({ length: 50 }, () =>
          store.write(async (tx) => {
            const [row] = await tx.query('SELECT n FROM counter WHERE id = 1');
            await new Promise((r) => setImmediate(r));
            await tx.run('UPDATE counter SET n = ? WHERE id = 1', [Number(row?.n) + 1]);
          }),
        ),
      );
      assert.equal((await store.get('SELECT n FROM counter WHERE id = 1'))?.n, 50);
      assert.equal(readFile<{ n: number }>(dbPath, 'SELECT n FROM counter WHERE id = 1')[0]?.n, 50);
      const continued = fake.requests.slice(before).filter((r) => r.withBaton).length;
      assert.ok(continued >= 100, `each transaction continued its stream with batons (${continued} requests)`);
      assert.ok(
        fake.requests.every((r) => r.status === 200),
        'no request failed (no SQLITE_BUSY, no baton misuse)',
      );
      await store.close();
      assert.equal(fake.openStreams(), 0, 'no stream left open');
    });
  });

  it('round-trips BLOBs byte for byte (int8 memory vectors, every byte value)', async () => {
    await withFake(async (fake) => {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations: counterMigration });
      const all = new Uint8Array(256).map((_, i) => i);
      const vec = Array.from({ length: 768 }, (_, i) => Math.sin(i * 0.37) * (i % 7 === 0 ? -3 : 1));
      const encoded = encodeVector(vec);
      await store.run('INSERT INTO items (name, data) VALUES (?, ?)', ['bytes', all]);
      await store.write(async (tx) => {
        await tx.run('INSERT INTO items (name, data) VALUES (?, ?)', ['vector', encoded]);
      });
      await store.run('INSERT INTO items (name, data) VALUES (?, ?)', ['empty', new Uint8Array(0)]);

      const bytes = await store.get('SELECT data, typeof(data) AS t FROM items WHERE name = ?', ['bytes']);
      assert.equal(bytes?.t, 'blob', 'stored as a BLOB, not text');
      assert.ok(bytes?.data instanceof ArrayBuffer, 'BLOBs arrive as ArrayBuffer, as Row documents');
      assert.deepEqual(new Uint8Array(bytes.data as ArrayBuffer), all);

      const row = await store.get('SELECT data FROM items WHERE name = ?', ['vector']);
      assert.deepEqual(new Uint8Array(row?.data as ArrayBuffer), encoded);
      const decoded = decodeVector(row?.data);
      assert.ok(decoded, 'the vector BLOB decodes');
      assert.equal(decoded.codes.length, 768);
      const back = vectorFromBlob(row?.data);
      const original = vectorFromBlob(encoded);
      assert.ok(back && original, 'both decode to vectors');
      assert.deepEqual(Array.from(back), Array.from(original));

      const empty = await store.get('SELECT data, length(data) AS len FROM items WHERE name = ?', ['empty']);
      assert.equal(empty?.len, 0);
      await store.close();
    });
  });

  it('rejects a wrong or missing token with a clear StoreError that never contains the token', async () => {
    await withFake(async (fake) => {
      for (const authToken of ['wrong-token-456', undefined]) {
        await assert.rejects(createStore({ url: fake.url, authToken, migrations }), (err: unknown) => {
          assert.ok(err instanceof StoreError, 'a StoreError');
          assert.equal(err.code, 'store_unavailable');
          assert.match(err.message, /401/);
          assert.match(err.message, /rejected the credentials: check DATABASE_AUTH_TOKEN/);
          assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${fake.port}`), 'names the database');
          assert.ok(!err.message.includes(TOKEN), 'the right token is not in the message');
          assert.ok(!err.message.includes('wrong-token-456'), 'the given token is not in the message');
          return true;
        });
      }
      assert.ok(
        fake.requests.every((r) => r.status === 401),
        'the server rejected every request',
      );
    });
  });

  it('works with a libsql:// URL and ?tls=0, and describeUrl drops the query', async () => {
    await withFake(async (fake) => {
      const url = `libsql://127.0.0.1:${fake.port}?tls=0`;
      assert.equal(describeUrl(url), `libsql://127.0.0.1:${fake.port}`);
      const store = await createStore({ url, authToken: TOKEN, migrations: counterMigration });
      assert.equal(store.kind, 'remote');
      await store.run('UPDATE counter SET n = 7 WHERE id = 1');
      assert.equal((await store.get('SELECT n FROM counter WHERE id = 1'))?.n, 7);
      await store.close();

      // The token may also travel in the URL; describeUrl must not show it.
      const withToken = `libsql://127.0.0.1:${fake.port}?tls=0&authToken=${TOKEN}`;
      assert.ok(!describeUrl(withToken).includes(TOKEN), 'no token in the described URL');
      const viaQuery = await createStore({ url: withToken, migrations: counterMigration });
      assert.equal((await viaQuery.get('SELECT n FROM counter WHERE id = 1'))?.n, 7);
      await viaQuery.close();
    });
  });

  it('fails a write() held open past the stream idle timeout, rolling it back', async () => {
    const dbPath = tempPath('expiry.db');
    // Migrate through a server with sqld's default expiry, so a slow CI machine cannot expire the migration.
    const setup = await createFakeSqld({ dbPath, authToken: TOKEN });
    await (await createStore({ url: setup.url, authToken: TOKEN, migrations: counterMigration })).close();
    await setup.close();

    const fake = await createFakeSqld({ dbPath, authToken: TOKEN, streamIdleMs: 150 });
    try {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations: counterMigration });
      await assert.rejects(
        store.write(async (tx) => {
          await tx.run('UPDATE counter SET n = 100 WHERE id = 1');
          await new Promise((r) => setTimeout(r, 600));
          await tx.run('UPDATE counter SET n = 200 WHERE id = 1');
        }),
        /STREAM_EXPIRED|expired/i,
      );
      assert.equal(fake.expiredStreams(), 1);
      assert.equal(readFile<{ n: number }>(dbPath, 'SELECT n FROM counter WHERE id = 1')[0]?.n, 0, 'nothing committed');
      await store.run('UPDATE counter SET n = n + 1 WHERE id = 1');
      assert.equal((await store.get('SELECT n FROM counter WHERE id = 1'))?.n, 1, 'the store keeps working');
      await store.close();
    } finally {
      await fake.close();
    }
  });

  it('reports SQL errors with sqld codes and refuses statements sqld refuses', async () => {
    await withFake(async (fake) => {
      const store = await createStore({ url: fake.url, authToken: TOKEN, migrations: counterMigration });
      await assert.rejects(store.query('SELECT * FROM missing_table'), /SQL_INPUT_ERROR.*no such table: missing_table/);
      await assert.rejects(store.run('INSERT INTO items (name) VALUES (NULL)'), /SQLITE_CONSTRAINT.*NOT NULL/);
      await assert.rejects(store.run('PRAGMA journal_mode=WAL'), /SQL_PARSE_ERROR.*unsupported statement/);
      await assert.rejects(store.run('VACUUM'), /unsupported statement/);
      await assert.rejects(store.run('UPDATE counter SET n = 1; UPDATE counter SET n = 2'), /SQL_MANY_STATEMENTS/);
      assert.equal((await store.get('SELECT n FROM counter WHERE id = 1'))?.n, 0, 'nothing ran');
      assert.equal((await store.get('PRAGMA foreign_keys'))?.foreign_keys, 1, 'allowed pragmas work');
      await store.close();
    });
  });

  it('fails with a clear StoreError when the remote server is unreachable', async () => {
    const port = await closedPort();
    await assert.rejects(
      createStore({ url: `http://127.0.0.1:${port}`, authToken: TOKEN, migrations }),
      (err: unknown) => {
        assert.ok(err instanceof StoreError, 'a StoreError');
        assert.equal(err.code, 'store_unavailable');
        assert.match(err.message, new RegExp(`Cannot use database http://127\\.0\\.0\\.1:${port}`));
        assert.match(err.message, /ECONNREFUSED/, 'says why');
        assert.match(err.message, /DATABASE_URL/);
        assert.ok(!err.message.includes(TOKEN), 'no token in the message');
        return true;
      },
    );
  });
});

describe('fake sqld speaks Hrana over HTTP like sqld', () => {
  type Json = Record<string, unknown>;
  async function pipeline(
    fake: FakeSqld,
    body: Json,
    version = 2,
  ): Promise<{ status: number; json?: Json; text?: string }> {
    const res = await fetch(`${fake.url}/v${version}/pipeline`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    return type.includes('json')
      ? { status: res.status, json: (await res.json()) as Json }
      : { status: res.status, text: await res.text() };
  }
  const results = (r: { json?: Json }): Json[] => (r.json?.results ?? []) as Json[];
  const exec = (sql: string, args: unknown[] = []) => ({ type: 'execute', stmt: { sql, args, want_rows: true } });

  it('encodes typed values, answers version probes and 404s what it does not implement', async () => {
    await withFake(async (fake) => {
      const r = await pipeline(fake, {
        baton: null,
        requests: [exec("SELECT 1 AS i, 1.5 AS f, 'x' AS t, x'00ff' AS b, NULL AS n"), { type: 'close' }],
      });
      assert.equal(r.status, 200);
      assert.equal(r.json?.baton, null, 'a closed stream returns no baton');
      const result = results(r)[0] as { response: { result: { cols: Json[]; rows: Json[][] } } };
      assert.deepEqual(result.response.result.rows[0], [
        { type: 'integer', value: '1' },
        { type: 'float', value: 1.5 },
        { type: 'text', value: 'x' },
        { type: 'blob', base64: 'AP8' },
        { type: 'null' },
      ]);
      const auth = { authorization: `Bearer ${TOKEN}` };
      assert.equal((await fetch(`${fake.url}/v2`, { headers: auth })).status, 200);
      assert.equal((await fetch(`${fake.url}/v3`, { headers: auth })).status, 200);
      assert.equal((await fetch(`${fake.url}/v3-protobuf`, { headers: auth })).status, 404);
      assert.equal((await fetch(`${fake.url}/v2`)).status, 401, 'no token, no answer');
    });
  });

  it('keeps a stream per baton, refuses reused or forged batons, and reports autocommit on v3 only', async () => {
    await withFake(async (fake) => {
      const first = await pipeline(fake, { baton: null, requests: [exec('BEGIN IMMEDIATE')] }, 3);
      const baton = first.json?.baton;
      assert.equal(typeof baton, 'string');
      const second = await pipeline(fake, { baton, requests: [{ type: 'get_autocommit' }] }, 3);
      assert.deepEqual(results(second)[0], { type: 'ok', response: { type: 'get_autocommit', is_autocommit: false } });
      const reused = await pipeline(fake, { baton, requests: [exec('SELECT 1')] }, 3);
      assert.equal(reused.status, 400);
      assert.match(reused.text ?? '', /already been used/);
      const forged = await pipeline(fake, {
        baton: `${String(second.json?.baton).slice(0, -2)}xx`,
        requests: [exec('SELECT 1')],
      });
      assert.equal(forged.status, 400);
      assert.match(forged.text ?? '', /invalid baton/);
      const v2 = await pipeline(fake, { baton: null, requests: [{ type: 'get_autocommit' }] }, 2);
      assert.equal(v2.status, 400, 'get_autocommit needs Hrana 3');
      assert.equal(fake.openStreams(), 1, 'a refused baton leaves the stream it names alone (as in sqld)');
      const closed = await pipeline(
        fake,
        { baton: second.json?.baton, requests: [exec('ROLLBACK'), { type: 'close' }] },
        3,
      );
      assert.equal(closed.status, 200, 'the latest baton still works');
      assert.equal(fake.openStreams(), 0);
    });
  });

  it('evaluates batch conditions, describes statements and runs sequences', async () => {
    await withFake(async (fake) => {
      const batch = {
        type: 'batch',
        batch: {
          steps: [
            { stmt: { sql: 'CREATE TABLE b (x INTEGER UNIQUE)' } },
            { stmt: { sql: 'INSERT INTO b VALUES (1)' }, condition: { type: 'ok', step: 0 } },
            { stmt: { sql: 'INSERT INTO b VALUES (1)' }, condition: { type: 'ok', step: 1 } },
            { stmt: { sql: 'INSERT INTO b VALUES (2)' }, condition: { type: 'ok', step: 2 } },
            { stmt: { sql: 'INSERT INTO b VALUES (3)' }, condition: { type: 'error', step: 2 } },
            {
              stmt: { sql: 'SELECT count(*) FROM b' },
              condition: {
                type: 'and',
                conds: [
                  { type: 'ok', step: 4 },
                  { type: 'not', cond: { type: 'ok', step: 3 } },
                ],
              },
            },
          ],
        },
      };
      const r = await pipeline(fake, {
        baton: null,
        requests: [
          batch,
          { type: 'describe', sql: 'SELECT x FROM b WHERE x > :min AND x < ?' },
          { type: 'sequence', sql: 'INSERT INTO b VALUES (9); INSERT INTO b VALUES (1);' },
          { type: 'close' },
        ],
      });
      const [batchResult, describeResult, sequenceResult] = results(r);
      const res = (
        batchResult as { response: { result: { step_results: (Json | null)[]; step_errors: (Json | null)[] } } }
      ).response.result;
      assert.deepEqual(
        res.step_results.map((x) => x !== null),
        [true, true, false, false, true, true],
      );
      assert.equal((res.step_errors[2] as { code: string }).code, 'SQLITE_CONSTRAINT');
      assert.equal(res.step_errors[3], null, 'a skipped step has neither result nor error');
      assert.deepEqual((res.step_results[5] as { rows: Json[][] }).rows[0], [{ type: 'integer', value: '2' }]);
      assert.deepEqual((describeResult as { response: { result: Json } }).response.result, {
        params: [{ name: ':min' }, { name: null }],
        cols: [{ name: 'x', decltype: 'INTEGER' }],
        is_explain: false,
        is_readonly: true,
      });
      assert.equal((sequenceResult as { type: string }).type, 'error', 'the sequence stops at the duplicate');
      assert.deepEqual(fake.requests.at(-1)?.errors.length, 2, 'both statement errors were recorded');
    });
  });
});
