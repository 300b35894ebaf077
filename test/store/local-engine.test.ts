/**
 * The Store on a local libSQL file, as the app opens it: prepared statements reused per SQL text (no native memory
 * growth per execution), a bounded statement cache, secure_delete, and the value/row/error conventions callers rely on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreError } from '../../src/core/errors.ts';
import { createStore, filePathOf, type Store } from '../../src/store/db.ts';
import type { Migration } from '../../src/store/migrations/index.ts';

const dirs: string[] = [];
function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-local-'));
  dirs.push(dir);
  return join(dir, name);
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const schema: Migration[] = [
  {
    version: 1,
    name: 'items',
    statements: [
      'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER, x REAL, data BLOB)',
      "INSERT INTO items (id, name, n) VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)",
    ],
  },
];

async function open(
  name: string,
  extra: {
    statementCacheSize?: number;
    log?: { warn: (...a: unknown[]) => void; info: (...a: unknown[]) => void };
  } = {},
): Promise<{ store: Store; path: string }> {
  const path = tempFile(name);
  const store = await createStore({ url: `file:${path}`, migrations: schema, ...(extra as object) });
  return { store, path };
}

const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;

describe('local store engine', () => {
  it('prepares a statement once per SQL text and reuses it for every execution', async () => {
    const { store } = await open('reuse.db');
    try {
      const before = store.stats().statements;
      for (let i = 0; i < 1000; i++) {
        const row = await store.get('SELECT name FROM items WHERE id = ?', [(i % 3) + 1]);
        assert.equal(row?.name, ['one', 'two', 'three'][i % 3]);
      }
      for (let i = 0; i < 1000; i++) await store.run('UPDATE items SET n = ? WHERE id = ?', [i, 1]);
      await store.write(async (tx) => {
        for (let i = 0; i < 100; i++) await tx.run('UPDATE items SET n = n + 1 WHERE id = ?', [2]);
      });
      const s = store.stats().statements;
      assert.equal(s.prepared - before.prepared, 3, 'one statement per distinct SQL text');
      assert.equal(s.size - before.size, 3);
      assert.equal(s.reused - before.reused, 999 + 999 + 99);
      assert.equal(s.evicted, 0);
      assert.equal((await store.get('SELECT n FROM items WHERE id = 1'))?.n, 999);
      assert.equal((await store.get('SELECT n FROM items WHERE id = 2'))?.n, 102);
    } finally {
      await store.close();
    }
  });

  it('does not grow native memory per executed statement (libsql-js#153)', async () => {
    const { store } = await open('rss.db');
    try {
      const read = 'SELECT id, name, n FROM items WHERE id = ?';
      const write = 'UPDATE items SET n = ? WHERE id = ?';
      for (let i = 0; i < 2000; i++) {
        await store.query(read, [1]);
        await store.run(write, [i, 2]);
      } // warm-up: heap, caches
      const start = rssMb();
      // One long chain of awaited calls, as a loop over stored rows makes. With a statement prepared per execution
      // (about 3.6 KB of native memory each, freed only after V8 collects its wrapper and Node runs the finalizer on
      // a later event-loop turn) this grew RSS by about 200 MB. The bound leaves room for heap growth, which differs
      // between Node versions (about 30 MB on Node 24), and stays far below the leak.
      for (let i = 0; i < 30_000; i++) {
        await store.query(read, [(i % 3) + 1]);
        await store.run(write, [i, 2]);
      }
      const growth = rssMb() - start;
      assert.ok(growth < 80, `RSS grew by ${growth.toFixed(1)} MB over 30k reads and 30k writes`);
    } finally {
      await store.close();
    }
  });

  it('keeps the cache bounded and warns (without the literals) when SQL texts vary', async () => {
    const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
    const log = {
      warn: (obj: unknown, msg?: unknown) => warnings.push({ obj: obj as Record<string, unknown>, msg: String(msg) }),
      info: () => {},
    };
    const { store } = await open('bounded.db', { statementCacheSize: 8, log });
    try {
      for (let i = 0; i < 50; i++) {
        // Deliberately wrong: a value built into the SQL text makes every execution a new statement.
        const row = await store.get(`SELECT name, ${i} AS k FROM items WHERE name = 'secret-${i}' OR id = 1`);
        assert.equal(row?.k, i);
      }
      const s = store.stats().statements;
      assert.ok(s.size <= s.limit, `${s.size} statements held, limit ${s.limit}`);
      assert.equal(s.limit, 16, 'two connections (reads, writes) of 8');
      assert.ok(s.evicted >= 42, `evicted ${s.evicted}`);
      assert.ok(warnings.length >= 2 && warnings.length <= 4, `warned at 1, 10 (, 100) evictions: ${warnings.length}`);
      const logged = JSON.stringify(warnings);
      assert.match(warnings[0]?.msg ?? '', /statement cache full/);
      assert.ok(!logged.includes('secret-'), 'no literal reaches the log');
      // Evicted statements are prepared again when needed; results stay right.
      assert.equal((await store.get(`SELECT name, 3 AS k FROM items WHERE name = 'secret-3' OR id = 1`))?.k, 3);
    } finally {
      await store.close();
    }
  });

  it('drops a statement that failed, and the next execution of the same SQL works', async () => {
    const { store } = await open('failed.db');
    try {
      const insert = 'INSERT INTO items (id, name) VALUES (?, ?)';
      await assert.rejects(store.run(insert, [10, 'one']), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'store_failed');
        assert.match(err.message, /^Write failed: SQLITE_CONSTRAINT: UNIQUE constraint failed: items\.name$/);
        return true;
      });
      const r = await store.run(insert, [10, 'ten']);
      assert.equal(r.changes, 1);
      assert.equal(r.lastInsertRowid, 10n);
      await assert.rejects(
        store.write(async (tx) => {
          await tx.run(insert, [11, 'eleven']);
          await tx.run(insert, [12, 'ten']);
        }),
        /^StoreError: Write transaction failed: SQLITE_CONSTRAINT: UNIQUE constraint failed: items\.name$|Write transaction failed: SQLITE_CONSTRAINT/,
      );
      assert.equal((await store.get('SELECT count(*) AS c FROM items WHERE id IN (11, 12)'))?.c, 0, 'rolled back');
      await store.write(async (tx) => {
        await tx.run(insert, [11, 'eleven']);
      });
      assert.equal((await store.get('SELECT name FROM items WHERE id = 11'))?.name, 'eleven');
    } finally {
      await store.close();
    }
  });

  it('returns values as callers expect: numbers, bigint rowid, ArrayBuffer BLOBs, booleans as 1/0, first of duplicate columns', async () => {
    const { store } = await open('values.db');
    try {
      const blob = new Uint8Array([0, 1, 2, 250, 255]);
      const r = await store.run('INSERT INTO items (id, name, n, x, data) VALUES (?, ?, ?, ?, ?)', [
        42,
        'blob',
        true,
        1.5,
        blob,
      ]);
      assert.equal(r.lastInsertRowid, 42n);
      const row = await store.get('SELECT id, name, n, x, data, NULL AS empty FROM items WHERE id = ?', [42]);
      assert.deepEqual(Object.keys(row ?? {}), ['id', 'name', 'n', 'x', 'data', 'empty']);
      assert.equal(row?.id, 42);
      assert.equal(typeof row?.id, 'number');
      assert.equal(row?.n, 1);
      assert.equal(row?.x, 1.5);
      assert.equal(row?.empty, null);
      assert.ok(row?.data instanceof ArrayBuffer);
      assert.deepEqual([...new Uint8Array(row.data as ArrayBuffer)], [...blob]);
      const dup = await store.get('SELECT a.name, b.name FROM items a JOIN items b ON b.id = 2 WHERE a.id = 1');
      assert.deepEqual(dup, { name: 'one' });
      await assert.rejects(store.get('SELECT 9007199254740993 AS big'), /cannot be safely represented/);
      const count = await store.run('UPDATE items SET n = 0 WHERE id < 4');
      assert.equal(count.changes, 3);
      const none = await store.run('UPDATE items SET n = 0 WHERE id = -1');
      assert.equal(none.changes, 0);
      const returned = await store.write((tx) => tx.query('UPDATE items SET n = 7 WHERE id = 3 RETURNING id, n'));
      assert.deepEqual(returned, [{ id: 3, n: 7 }]);
    } finally {
      await store.close();
    }
  });

  it('reads see committed data only, never a write transaction in progress', async () => {
    const { store } = await open('isolation.db');
    try {
      let seenInside: unknown;
      await store.write(async (tx) => {
        await tx.run("INSERT INTO items (id, name) VALUES (20, 'pending')");
        seenInside = (await store.get('SELECT count(*) AS c FROM items WHERE id = 20'))?.c;
        assert.equal(
          (await tx.query('SELECT count(*) AS c FROM items WHERE id = 20'))[0]?.c,
          1,
          'the transaction sees its own row',
        );
      });
      assert.equal(seenInside, 0);
      assert.equal((await store.get('SELECT count(*) AS c FROM items WHERE id = 20'))?.c, 1);
    } finally {
      await store.close();
    }
  });

  it('erases deleted rows from the file (secure_delete on the writing connection, WAL checkpointed)', async () => {
    const { store, path } = await open('erase.db');
    const canary = 'CANARY-7f3a91-do-not-keep';
    try {
      await store.batch(
        Array.from({ length: 20 }, (_, i) => ({
          sql: 'INSERT INTO items (id, name) VALUES (?, ?)',
          args: [100 + i, `${canary} ${i} ${'x'.repeat(200)}`],
        })),
      );
      await store.checkpoint();
      assert.ok(readFileSync(path).includes(canary), 'the canary is on disk before the delete');
      await store.run('DELETE FROM items WHERE id >= 100');
      await store.checkpoint();
      const onDisk = Buffer.concat([readFileSync(path), readFileSync(`${path}-wal`)]);
      assert.equal(onDisk.includes(canary), false, 'no trace of the deleted rows in the database or its WAL');
      assert.equal((await store.get('PRAGMA secure_delete'))?.secure_delete, 1, 'set on the reading connection too');
    } finally {
      await store.close();
    }
  });

  it('fails with a StoreError once closed', async () => {
    const { store } = await open('closed.db');
    await store.close();
    await assert.rejects(store.query('SELECT 1'), StoreError);
    await assert.rejects(store.run('UPDATE items SET n = 1'), StoreError);
  });

  it('reads file: URLs the way @libsql/client does', () => {
    assert.equal(filePathOf('file:data/assistant.db'), 'data/assistant.db');
    assert.equal(filePathOf('file:/var/lib/bot/a.db'), '/var/lib/bot/a.db');
    assert.equal(filePathOf('file:///var/lib/bot/a.db'), '/var/lib/bot/a.db');
    assert.equal(filePathOf('file://localhost/var/lib/bot/a.db'), '/var/lib/bot/a.db');
    assert.equal(filePathOf('file:/tmp/with%20space.db?mode=x'), '/tmp/with space.db');
    assert.equal(filePathOf(':memory:'), ':memory:');
    assert.throws(() => filePathOf('file://example.com/a.db'), /Invalid host/);
  });

  it('runs on :memory: with one connection', async () => {
    const store = await createStore({ url: ':memory:', migrations: schema });
    try {
      assert.equal(store.kind, 'memory');
      await store.run("INSERT INTO items (id, name) VALUES (5, 'five')");
      assert.equal((await store.get('SELECT name FROM items WHERE id = 5'))?.name, 'five');
      assert.equal(store.stats().statements.limit, 512);
    } finally {
      await store.close();
    }
  });
});
