import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreError } from '../../src/core/errors.ts';
import { createStore, describeUrl } from '../../src/store/db.ts';
import type { Migration } from '../../src/store/migrations/index.ts';
import { migrations } from '../../src/store/migrations/index.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-store-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const testMigrations: Migration[] = [
  { version: 1, name: 'one', statements: ['CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)'] },
  { version: 2, name: 'two', statements: ['ALTER TABLE t ADD COLUMN note TEXT'] },
];

describe('store', () => {
  it('creates the folder, enables WAL and applies migrations once', async () => {
    const dir = tempDir();
    const url = `file:${join(dir, 'nested', 'deeper', 'a.db')}`;
    const store = await createStore({ url, migrations: testMigrations });
    assert.equal(store.kind, 'file');
    assert.ok(existsSync(join(dir, 'nested', 'deeper', 'a.db')));
    const mode = await store.get('PRAGMA journal_mode');
    assert.equal(mode?.journal_mode, 'wal');
    await store.run('INSERT INTO t (v, note) VALUES (?, ?)', [1, 'x']);
    await store.close();

    const again = await createStore({ url, migrations: testMigrations });
    const versions = (await again.query('SELECT version FROM schema_migrations ORDER BY version')).map(
      (r) => r.version,
    );
    assert.deepEqual(versions, [1, 2]);
    assert.equal((await again.get('SELECT count(*) AS n FROM t'))?.n, 1);
    await again.close();
  });

  it('applies the real migrations idempotently', async () => {
    const url = `file:${join(tempDir(), 'real.db')}`;
    const first = await createStore({ url, migrations });
    await first.close();
    const second = await createStore({ url, migrations });
    const rows = await second.query('SELECT version FROM schema_migrations');
    assert.equal(rows.length, migrations.length);
    await second.close();
  });

  it('applies pending migrations all or nothing: a failing one leaves the schema as it was', async () => {
    const url = `file:${join(tempDir(), 'atomic.db')}`;
    const first = await createStore({ url, migrations: testMigrations.slice(0, 1) });
    await first.run('INSERT INTO t (v) VALUES (7)');
    await first.close();
    const broken: Migration[] = [
      ...testMigrations,
      { version: 3, name: 'three', statements: ['CREATE TABLE u (id INTEGER PRIMARY KEY)'] },
      { version: 4, name: 'broken', statements: ['ALTER TABLE missing ADD COLUMN x TEXT'] },
    ];
    await assert.rejects(createStore({ url, migrations: broken }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /Database migration 4 \(broken\) failed: .*no such table: missing/);
      return true;
    });
    const after = await createStore({ url, migrations: testMigrations.slice(0, 1) });
    const versions = (await after.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version));
    assert.deepEqual(versions, [1], 'none of 2–4 is recorded');
    const tables = (
      await after.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('t', 'u')")
    ).map((r) => r.name);
    assert.deepEqual(tables, ['t'], 'table u (migration 3) was rolled back with the failing migration 4');
    const columns = (await after.query('PRAGMA table_info(t)')).map((r) => r.name);
    assert.deepEqual(columns, ['id', 'v'], 'migration 2 was rolled back too');
    assert.equal((await after.get('SELECT v FROM t'))?.v, 7, 'the data is kept');
    await after.close();
  });

  it('serializes concurrent read-modify-write transactions without SQLITE_BUSY', async () => {
    const url = `file:${join(tempDir(), 'c.db')}`;
    const store = await createStore({ url, migrations: testMigrations });
    await store.run('INSERT INTO t (id, v) VALUES (1, 0)');
    const work = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? store.write(async (tx) => {
            const [row] = await tx.query('SELECT v FROM t WHERE id = 1');
            await new Promise((r) => setImmediate(r));
            await tx.run('UPDATE t SET v = ? WHERE id = 1', [Number(row?.v) + 1]);
          })
        : store.run('UPDATE t SET v = v + 1 WHERE id = 1'),
    );
    await Promise.all(work);
    assert.equal((await store.get('SELECT v FROM t WHERE id = 1'))?.v, 100);
    await store.close();
  });

  it('rolls back a failed transaction and keeps working', async () => {
    const store = await createStore({ url: `file:${join(tempDir(), 'r.db')}`, migrations: testMigrations });
    await assert.rejects(
      store.write(async (tx) => {
        await tx.run('INSERT INTO t (id, v) VALUES (5, 5)');
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await store.get('SELECT count(*) AS n FROM t'))?.n, 0);
    const results = await store.batch([
      { sql: 'INSERT INTO t (id, v) VALUES (?, ?)', args: [1, 1] },
      { sql: 'INSERT INTO t (id, v) VALUES (?, ?)', args: [2, 2] },
    ]);
    assert.equal(results.length, 2);
    await assert.rejects(
      store.batch([{ sql: 'INSERT INTO t (id, v) VALUES (3, 3)' }, { sql: 'INSERT INTO t (id, v) VALUES (1, 1)' }]),
      StoreError,
    );
    assert.equal((await store.get('SELECT count(*) AS n FROM t'))?.n, 2, 'a failed batch is atomic');
    await store.close();
  });

  it('fails with a clear StoreError for a corrupt file', async () => {
    const path = join(tempDir(), 'corrupt.db');
    writeFileSync(path, 'this is not a database, just some bytes '.repeat(200));
    await assert.rejects(createStore({ url: `file:${path}`, migrations }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.code, 'store_unavailable');
      assert.match(err.message, /not a database/);
      assert.match(err.message, /DATABASE_URL/);
      return true;
    });
  });

  it('fails with a clear StoreError for an unreachable remote database', async () => {
    await assert.rejects(
      createStore({ url: 'http://127.0.0.1:9/db', authToken: 'secret-token', migrations }),
      (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.ok(!err.message.includes('secret-token'));
        return true;
      },
    );
  });

  it('describes URLs without credentials', () => {
    assert.equal(describeUrl('libsql://user:pw@db.example.io?authToken=abc'), 'libsql://db.example.io');
    assert.equal(describeUrl('file:data/assistant.db'), 'file:data/assistant.db');
  });
});
