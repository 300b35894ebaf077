/** The WAL is checkpointed once writes pause (src/store/idle-checkpoint.ts), on a real libSQL file. */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Store, createStore, filePathOf } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

/** Lets the checkpoint's callback and the write lock run. */
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('idle WAL checkpoints', () => {
  let db: TempDb;
  let clock: ManualClock;
  let store: Store;
  beforeEach(async () => {
    db = tempDbUrl('idle-checkpoint');
    clock = createManualClock();
    store = await createStore({ url: db.url, migrations, idleCheckpoint: { clock, idleMs: 50, minWrites: 4 } });
    await store.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    // The set-up's writes (migrations, the table, two more) get their checkpoint first.
    await store.run("INSERT INTO t (v) VALUES ('setup')");
    await store.run("INSERT INTO t (v) VALUES ('setup')");
    await clock.advance(200);
    await settle();
    assert.equal(store.stats().idleCheckpoints, 1);
  });
  afterEach(async () => {
    await store.close();
    await db.cleanup();
  });

  const write = (i: number) => store.run('INSERT INTO t (v) VALUES (?)', ['x'.repeat(2000) + i]);

  it('runs after enough writes once the writer has rested, not while it is busy', async () => {
    const base = store.stats().idleCheckpoints;
    for (let i = 0; i < 2; i++) await write(i);
    await clock.advance(200);
    await settle();
    assert.equal(store.stats().idleCheckpoints, base, 'too few writes: nothing to do');

    // A write every 30 ms keeps the writer busy: no checkpoint in between.
    for (let i = 0; i < 10; i++) {
      await write(i);
      await clock.advance(30);
      await settle();
    }
    assert.equal(store.stats().idleCheckpoints, base, 'the writer never rested 50 ms');
    await clock.advance(60);
    await settle();
    assert.equal(store.stats().idleCheckpoints, base + 1, 'checkpointed once the writes paused');

    await clock.advance(1000);
    await settle();
    assert.equal(store.stats().idleCheckpoints, base + 1, 'nothing written since: no second checkpoint');
    assert.equal(Number((await store.get('SELECT COUNT(*) AS n FROM t'))?.n), 14, 'every write kept');
  });

  it('the checkpoint moves the WAL into the database file', async () => {
    const path = filePathOf(db.url);
    const before = statSync(path).size;
    for (let i = 0; i < 40; i++) await write(i);
    assert.equal(statSync(path).size, before, 'writes land in the WAL first');
    await clock.advance(60);
    await settle();
    assert.ok(statSync(path).size > before + 40 * 2000, 'the rows reached the database file');
  });
});
