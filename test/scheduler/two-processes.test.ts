import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStore, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { startBot } from '../support/child-bot.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const JOBS = 150;

/** Starts one scheduler process (the shared child harness); `ready` resolves once it is running, `exit` with its exit code. */
async function runInstance(
  db: TempDb,
  tg: FakeTelegram,
  runMs: number,
): Promise<{ ready: Promise<unknown>; exit: Promise<number> }> {
  const child = await startBot({
    entry: 'test/scheduler/fixtures/instance.ts',
    args: [db.url, tg.token, tg.apiRoot, String(runMs)],
    env: {},
    waitForPollMs: 0,
  });
  return {
    ready: child.waitForLog((line) => line.includes('ready'), 30_000),
    exit: child.exited.then((e) => e.code ?? -1),
  };
}

describe('two scheduler processes on one database file', () => {
  let db: TempDb;
  let tg: FakeTelegram;
  let store: Store;
  before(async () => {
    db = tempDbUrl('two-processes');
    tg = await createFakeTelegram();
    store = await createStore({ url: db.url, migrations });
  });
  after(async () => {
    await store.close();
    await tg.close();
    await db.cleanup();
  });

  it('fire every occurrence exactly once', async () => {
    const a = await runInstance(db, tg, 3000);
    const b = await runInstance(db, tg, 3000);
    await Promise.all([a.ready, b.ready]);
    const now = Date.now();
    const start = now + 200;
    const stmts = [];
    for (let i = 0; i < JOBS; i++) {
      const at = start + Math.floor((i * 1200) / JOBS);
      stmts.push({
        sql: `INSERT INTO jobs (id, owner_user_id, chat_id, chat_type, kind, text, schedule, timezone, next_run_at, created_at, updated_at)
              VALUES (?, 1, ?, 'private', 'reminder', ?, ?, 'UTC', ?, ?, ?)`,
        args: [`p${i}`, 100 + (i % 10), `proc-${i}`, JSON.stringify({ type: 'once', at }), at, now, now],
      });
    }
    await store.batch(stmts);
    const codes = await Promise.all([a.exit, b.exit]);
    assert.deepEqual(codes, [0, 0]);

    const texts = new Map<string, number>();
    for (let c = 100; c < 110; c++) {
      for (const m of tg.botMessages(c)) texts.set(m.text, (texts.get(m.text) ?? 0) + 1);
    }
    const dups = [...texts].filter(([, n]) => n > 1);
    assert.deepEqual(dups, [], 'no occurrence was posted twice');
    assert.equal(texts.size, JOBS, 'every occurrence was posted');
    const claimers = await store.query(
      "SELECT claimed_by, COUNT(*) AS n FROM job_runs WHERE status = 'delivered' GROUP BY 1",
    );
    assert.equal(
      claimers.reduce((sum, r) => sum + Number(r.n), 0),
      JOBS,
    );
    assert.equal(claimers.length, 2, `both processes fired some occurrences: ${JSON.stringify(claimers)}`);
  });
});
