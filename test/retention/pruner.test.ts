/**
 * Retention: every table of the schema has a rule (src/retention/rules.ts), and the pruner applies the rules on the
 * injected clock, every hour, on a real libSQL file: old journal rows, settled runs (with their approvals, prompt
 * copies, events and files), finished job runs, completed jobs, delivery receipts, model-call records, stale
 * confirmations and notices go; unfinished work and recent rows stay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/core/logger.ts';
import { createPruner, type Pruner } from '../../src/retention/pruner.ts';
import { DAY_MS, HOUR_MS, RETENTION_RULES, pruningRules } from '../../src/retention/rules.ts';
import { createStore, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createJournal } from '../../src/telegram/intake/journal.ts';
import { createManualClock, type ManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');

async function count(store: Store, sql: string, args: (string | number)[] = []): Promise<number> {
  return Number((await store.get(`SELECT COUNT(*) AS n FROM ${sql}`, args))?.n ?? 0);
}

/** Waits (on the manual clock's event loop) until the pruner's pass has ended and it sleeps again. */
async function nextSleep(clock: ManualClock): Promise<void> {
  const due = clock.now() + HOUR_MS;
  for (let i = 0; i < 500 && clock.nextWakeAt() !== due; i++) await clock.flush(1);
  assert.equal(clock.nextWakeAt(), due, 'the pruner sleeps one hour after its pass');
}

describe('retention rules', () => {
  let db: TempDb;
  let store: Store;
  before(async () => {
    db = tempDbUrl('retention');
    store = await createStore({ url: db.url, migrations });
  });
  after(async () => {
    await store.close();
    await db.cleanup();
  });

  it('every table of the schema has exactly one rule, and every rule names a real table', async () => {
    const tables = (
      await store.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
    ).map((r) => String(r.name));
    assert.deepEqual(
      tables.filter((t) => !(t in RETENTION_RULES)),
      [],
      'tables without a retention rule',
    );
    assert.deepEqual(
      Object.keys(RETENTION_RULES).filter((t) => !tables.includes(t)),
      [],
      'rules for tables that do not exist',
    );
    for (const [table, rule] of Object.entries(RETENTION_RULES)) {
      assert.ok(rule.keeps && rule.keepFor && rule.why, `${table}: what, how long, why`);
      assert.equal(
        rule.prune !== undefined,
        rule.maxAgeMs !== undefined,
        `${table}: a pruned table has an age and vice versa`,
      );
    }
  });

  it('every rule that prunes runs in the pruner pass', () => {
    const inPass = new Set(pruningRules().map((r) => r.table));
    const pruned = Object.entries(RETENTION_RULES).filter(([, rule]) => rule.prune !== undefined);
    assert.deepEqual(
      pruned.map(([table]) => table).filter((t) => !inPass.has(t)),
      [],
      'rules whose step the pruner never runs',
    );
  });
});

describe('the pruner', () => {
  let db: TempDb;
  let store: Store;
  let clock: ManualClock;
  let pruner: Pruner;

  before(async () => {
    db = tempDbUrl('pruner');
    store = await createStore({ url: db.url, migrations });
    clock = createManualClock(T0);
  });
  after(async () => {
    await pruner?.stop();
    await store.close();
    await db.cleanup();
  });

  async function seed(at: number, tag: string): Promise<void> {
    // The journal through its own module: one finished update, one still running.
    const journal = createJournal({
      store,
      clock: { now: () => at, sleep: clock.sleep },
      instanceId: `i-${tag}`,
      hostKey: null,
    });
    const base = tag === 'old' ? 1000 : 2000;
    const update = (id: number) => ({
      update_id: id,
      message: { message_id: id, date: 0, chat: { id: 5, type: 'private' }, from: { id: 5 }, text: tag },
    });
    await journal.accept([
      { updateId: base + 1, chatKey: '5', kind: 'message', update: update(base + 1) as never, state: 'pending' },
      { updateId: base + 2, chatKey: '5', kind: 'message', update: update(base + 2) as never, state: 'pending' },
    ]);
    await journal.finish(base + 1, 'done');
    await journal.markRunning(base + 2);

    const run = (id: string, status: string) =>
      store.run(
        `INSERT INTO approval_runs (id, chat_id, user_id, origin, request, suspension, status, created_at, updated_at)
         VALUES (?, 5, 5, 'telegram', '{}', '{}', ?, ?, ?)`,
        [id, status, at, at],
      );
    await run(`settled-${tag}`, 'done');
    await run(`waiting-${tag}`, 'waiting');
    for (const r of [`settled-${tag}`, `waiting-${tag}`]) {
      await store.run(
        `INSERT INTO approvals (id, run_id, round, call_id, agent, tool, args, kind, summary, requested_by, requested_by_name, chat_id,
           timezone, status, expires_at, fallback, created_at) VALUES (?, ?, 1, 'c1', 'planner', 'note_delete', '{}', 'approval', 's', 5, 'Ann',
           5, 'UTC', 'pending', ?, 'deny', ?)`,
        [`a-${r}`, r, at + HOUR_MS, at],
      );
      await store.run(
        'INSERT INTO approval_messages (approval_id, chat_id, message_id, created_at) VALUES (?, 5, 1, ?)',
        [`a-${r}`, at],
      );
      await store.run(
        `INSERT INTO run_events (run_id, seq, type, data, chat_id, at) VALUES (?, 1, 'approval_requested', '{}', 5, ?)`,
        [r, at],
      );
      await store.run('INSERT INTO attachments (hash, bytes, data, created_at) VALUES (?, 3, ?, ?)', [
        `h-${r}`,
        new Uint8Array([1, 2, 3]),
        at,
      ]);
      await store.run('INSERT INTO attachment_refs (run_id, hash, user_id, created_at) VALUES (?, ?, 5, ?)', [
        r,
        `h-${r}`,
        at,
      ]);
    }
    await store.run(
      `INSERT INTO run_events (run_id, seq, type, data, chat_id, at) VALUES (?, 1, 'finished', '{}', 5, ?)`,
      [`gone-${tag}`, at],
    );

    await store.run(
      `INSERT INTO jobs (id, owner_user_id, chat_id, kind, text, schedule, timezone, enabled, completed_at, created_at, updated_at)
       VALUES (?, 5, 5, 'reminder', 'stretch', '{}', 'UTC', 0, ?, ?, ?), (?, 5, 5, 'reminder', 'water', '{}', 'UTC', 1, NULL, ?, ?)`,
      [`done-${tag}`, at, at, at, `active-${tag}`, at, at],
    );
    await store.run(
      `INSERT INTO job_runs (job_id, scheduled_for, status, created_at) VALUES (?, ?, 'delivered', ?), (?, ?, 'delivered', ?), (?, ?, 'claimed', ?)`,
      [`done-${tag}`, at, at, `active-${tag}`, at, at, `active-${tag}`, at + 1, at],
    );
    await store.run('INSERT INTO outbox_deliveries (dedupe_key, chat_id, created_at, updated_at) VALUES (?, 5, ?, ?)', [
      `turn:${tag}`,
      at,
      at,
    ]);
    await store.run(`INSERT INTO llm_calls (ts, model, kind, ms, ok) VALUES (?, 'm', 'generate', 1, 1)`, [at]);
    await store.run(
      `INSERT INTO memory_pending_actions (id, user_id, kind, payload, created_at) VALUES (?, 5, 'wipe', '{}', ?)`,
      [`p-${tag}`, at],
    );
    await store.run('INSERT INTO access_notices (user_id, last_notice_at) VALUES (?, ?)', [
      tag === 'old' ? 91 : 92,
      at,
    ]);
    await store.run(
      'INSERT INTO journal_instances (id, host, pid, started_at, heartbeat_at) VALUES (?, NULL, 1, ?, ?)',
      [`inst-${tag}`, at, at],
    );
  }

  it('prunes by age every hour on the injected clock and keeps unfinished work and recent rows', async () => {
    await seed(T0, 'old');
    pruner = createPruner({ store, clock, log: createLogger({ level: 'silent' }) });
    pruner.start();
    await nextSleep(clock);
    assert.equal(await count(store, 'updates'), 2, 'nothing is old yet');
    assert.equal(await count(store, 'attachments'), 1, "a settled run's file goes at once; the waiting run's stays");

    // Eight days later: the rows of a week ago are past the 7-day rules; the recent ones are not.
    clock.set(T0 + 8 * DAY_MS - HOUR_MS);
    await seed(clock.now(), 'new');
    await clock.advance(HOUR_MS);
    await nextSleep(clock);

    assert.deepEqual(
      (await store.query('SELECT update_id FROM updates ORDER BY update_id')).map((r) => Number(r.update_id)),
      [1002, 2001, 2002],
    );
    assert.deepEqual(
      (await store.query('SELECT id FROM approval_runs ORDER BY id')).map((r) => String(r.id)),
      ['settled-new', 'waiting-new', 'waiting-old'],
    );
    assert.equal(await count(store, "approvals WHERE run_id = 'settled-old'"), 0);
    assert.equal(await count(store, "approval_messages WHERE approval_id = 'a-settled-old'"), 0);
    assert.equal(await count(store, "run_events WHERE run_id IN ('settled-old', 'gone-old')"), 0);
    assert.equal(await count(store, "run_events WHERE run_id IN ('waiting-old', 'settled-new', 'gone-new')"), 3);
    assert.deepEqual(
      (await store.query('SELECT hash FROM attachments ORDER BY hash')).map((r) => String(r.hash)),
      ['h-waiting-new', 'h-waiting-old'],
    );
    assert.equal(await count(store, 'memory_pending_actions'), 1, 'confirmations older than an hour');
    assert.equal(await count(store, "journal_instances WHERE id = 'inst-old'"), 0);
    // Not yet: 30 and 90 days.
    assert.equal(await count(store, 'outbox_deliveries'), 2);
    assert.equal(await count(store, 'job_runs'), 6);
    assert.equal(await count(store, 'llm_calls'), 2);

    // Another 23 days (31 in all), then 60 more: the 30- and 90-day rules apply at the next hourly pass.
    clock.set(T0 + 31 * DAY_MS - HOUR_MS);
    await clock.advance(HOUR_MS);
    await nextSleep(clock);
    assert.deepEqual(
      (await store.query('SELECT dedupe_key FROM outbox_deliveries')).map((r) => String(r.dedupe_key)),
      ['turn:new'],
    );
    assert.deepEqual(
      (await store.query('SELECT id FROM jobs ORDER BY id')).map((r) => String(r.id)),
      ['active-new', 'active-old', 'done-new'],
    );
    assert.deepEqual(
      (await store.query('SELECT job_id, status FROM job_runs ORDER BY job_id, scheduled_for')).map(
        (r) => `${r.job_id}:${r.status}`,
      ),
      ['active-new:delivered', 'active-new:claimed', 'active-old:claimed', 'done-new:delivered'],
    );
    assert.equal(await count(store, 'access_notices'), 1);
    assert.equal(await count(store, 'llm_calls'), 2);
    clock.set(T0 + 91 * DAY_MS - HOUR_MS);
    await clock.advance(HOUR_MS);
    await nextSleep(clock);
    assert.equal(await count(store, 'llm_calls'), 1, 'the 90-day-old model call record goes; the 83-day-old one stays');
    assert.equal(await count(store, "updates WHERE state = 'running'"), 2, 'unfinished updates are never pruned');
    assert.equal(await count(store, "approval_runs WHERE status = 'waiting'"), 2, 'waiting runs are never pruned');
  });
});
