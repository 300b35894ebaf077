import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Update } from 'grammy/types';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type IncomingEntry, type JournalOptions, createJournal } from '../../src/telegram/intake/journal.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const LEASE = 60_000;

function entry(updateId: number, chat = 1): IncomingEntry {
  const update = {
    update_id: updateId,
    message: { message_id: updateId, date: 0, chat: { id: chat, type: 'private' }, text: `m${updateId}` },
  };
  return { updateId, chatKey: String(chat), kind: 'message', update: update as unknown as Update, state: 'pending' };
}

async function withDb(name: string, fn: (stores: [Store, Store]) => Promise<void>): Promise<void> {
  const db = tempDbUrl(name);
  // Two connections on one file, as two processes would have.
  const a = await createStore({ url: db.url, migrations });
  const b = await createStore({ url: db.url, migrations });
  try {
    await fn([a, b]);
  } finally {
    await a.close();
    await b.close();
    await db.cleanup();
  }
}

test('a live owner keeps its rows: another instance claims nothing until the lease lapses without a heartbeat', async () => {
  await withDb('lease-expiry', async ([sa, sb]) => {
    const clock = createManualClock();
    const opts = (store: Store, id: string): JournalOptions => ({
      store,
      clock,
      instanceId: id,
      leaseMs: LEASE,
      hostKey: null,
    });
    const a = createJournal(opts(sa, 'A'));
    const b = createJournal(opts(sb, 'B'));
    await a.register();
    await b.register();
    assert.equal((await a.accept([entry(1), entry(2)])).length, 2, 'both updates journaled by A');
    assert.equal(await a.markRunning(1), 1, 'A runs update 1 (first attempt)');
    assert.deepEqual(await b.claim(), [], 'B starting while A is mid-turn claims nothing');

    // A's heartbeat keeps extending the lease past its original end.
    for (let i = 0; i < 4; i++) {
      clock.advance(LEASE / 4);
      assert.equal(await a.heartbeat(), 2, 'the heartbeat extends both held rows');
    }
    clock.advance(LEASE / 2);
    assert.deepEqual(await b.claim(), [], 'a heartbeating owner keeps its rows beyond the first lease');
    assert.deepEqual(await a.claim(), [], 'an instance never re-claims rows it holds');

    // A stops heartbeating (crashed on another machine): after the lease, B takes both over, oldest first.
    clock.advance(LEASE + 1);
    const taken = await b.claim();
    assert.deepEqual(
      taken.map((e) => [e.updateId, e.state, e.attempts]),
      [
        [1, 'running', 1],
        [2, 'pending', 0],
      ],
      'B claims the lapsed rows in update_id order with their attempt counts',
    );
    assert.deepEqual(await b.claim(), [], 'a second scan does not return them again');
    const owners = await sa.query('SELECT update_id, owner, lease_until FROM updates ORDER BY update_id');
    assert.deepEqual(
      owners.map((r) => [Number(r.update_id), r.owner, Number(r.lease_until)]),
      [
        [1, 'B', clock.now() + LEASE],
        [2, 'B', clock.now() + LEASE],
      ],
      'the rows now belong to B with a fresh lease',
    );

    // A comes back (a long pause, not a crash): it must not run or finish what B owns now.
    assert.equal(await a.markRunning(2), undefined, 'A may not start an update B took over');
    assert.equal(await a.finish(1, 'done'), false, "A's late finish does not overwrite B's row");
    assert.equal(a.held(), 0, 'A no longer holds the rows it lost');
    assert.equal(await a.heartbeat(), 0, "A's heartbeat extends nothing it lost");
    assert.equal(await b.markRunning(1), 2, 'B runs update 1 as its second attempt');
    assert.equal(await b.finish(1, 'done'), true, 'B records the result');
    assert.equal((await b.get(1))?.state, 'done', 'the row is done');
  });
});

test('rows of a dead process on the same machine are claimed at once; a live one keeps them', async () => {
  await withDb('lease-dead-local', async ([sa, sb]) => {
    const clock = createManualClock();
    let aAlive = true;
    const a = createJournal({
      store: sa,
      clock,
      instanceId: 'A',
      leaseMs: LEASE,
      hostKey: 'host-1',
      pid: 111,
      isAlive: () => true,
    });
    const b = createJournal({
      store: sb,
      clock,
      instanceId: 'B',
      leaseMs: LEASE,
      hostKey: 'host-1',
      pid: 222,
      isAlive: (pid) => pid !== 111 || aAlive,
    });
    const other = createJournal({
      store: sb,
      clock,
      instanceId: 'C',
      leaseMs: LEASE,
      hostKey: 'host-2',
      pid: 333,
      isAlive: () => false,
    });
    await a.register();
    await a.accept([entry(10)]);
    await a.markRunning(10);
    await b.register();
    await other.register();
    assert.deepEqual(await b.claim(), [], 'A is alive: B leaves its running update alone');
    assert.deepEqual(
      await other.claim(),
      [],
      'an instance on another machine cannot judge A by pid and waits for the lease',
    );

    aAlive = false; // SIGKILL: the pid is gone, the lease is still valid
    const taken = await b.claim();
    assert.deepEqual(
      taken.map((e) => e.updateId),
      [10],
      'B takes over the dead process’s update without waiting for the lease',
    );
    const instances = await sa.query('SELECT id FROM journal_instances ORDER BY id');
    assert.deepEqual(
      instances.map((r) => r.id),
      ['B', 'C'],
      "the dead instance's record is removed with the takeover",
    );
  });
});

test('a clean stop releases the leases, so the next instance resumes at once; rows from before the migration are claimable', async () => {
  await withDb('lease-release', async ([sa, sb]) => {
    const clock = createManualClock();
    const a = createJournal({ store: sa, clock, instanceId: 'A', leaseMs: LEASE, hostKey: null });
    await a.register();
    await a.accept([entry(20), entry(21)]);
    await a.markRunning(20);
    assert.equal(await a.finish(20, 'pending'), true, 'a turn interrupted by shutdown goes back to pending');
    await a.release();
    assert.deepEqual(await sa.query('SELECT id FROM journal_instances'), [], 'the stopped instance removed its record');

    // A row journaled before owners existed (migration 008 defaults).
    await sa.run(
      `INSERT INTO updates (update_id, chat_key, kind, payload, state, attempts, created_at, updated_at)
       VALUES (5, '1', 'message', '{"update_id":5}', 'running', 1, 0, 0)`,
    );
    const next = createJournal({ store: sb, clock, instanceId: 'N', leaseMs: LEASE, hostKey: null });
    await next.register();
    const taken = await next.claim();
    assert.deepEqual(
      taken.map((e) => e.updateId),
      [5, 20, 21],
      'released and owner-less rows are resumed at once, oldest first',
    );
    assert.equal(next.held(), 3, 'the new instance holds them');
  });
});

test('instances scanning at the same moment split orphaned rows: each is claimed exactly once', async () => {
  // One connection: libSQL's local driver blocks the thread while it waits for a file lock, so two connections in
  // one process contending for a write transaction would wait on each other; across processes SQLite serializes them.
  await withDb('lease-race', async ([sa]) => {
    const sb = sa;
    const clock = createManualClock();
    const dead = createJournal({ store: sa, clock, instanceId: 'D', leaseMs: LEASE, hostKey: null });
    await dead.register();
    await dead.accept(Array.from({ length: 30 }, (_, i) => entry(100 + i, i % 3)));
    clock.advance(LEASE + 1);
    const b = createJournal({ store: sa, clock, instanceId: 'B', leaseMs: LEASE, hostKey: null });
    const c = createJournal({ store: sb, clock, instanceId: 'C', leaseMs: LEASE, hostKey: null });
    const [byB, byC] = await Promise.all([b.claim(), c.claim()]);
    const all = [...byB, ...byC].map((e) => e.updateId).sort((x, y) => x - y);
    assert.deepEqual(
      all,
      Array.from({ length: 30 }, (_, i) => 100 + i),
      `every row claimed once (B ${byB.length}, C ${byC.length})`,
    );
    const owners = await sa.query(`SELECT owner, COUNT(*) AS n FROM updates GROUP BY owner ORDER BY owner`);
    assert.equal(
      owners.reduce((n, r) => n + Number(r.n), 0),
      30,
      `the database agrees with the claims: ${JSON.stringify(owners)}`,
    );
    for (const r of owners) {
      const claimed = r.owner === 'B' ? byB.length : byC.length;
      assert.equal(Number(r.n), claimed, `${String(r.owner)} owns exactly what it claimed`);
    }
  });
});
