/**
 * Background task claims across instances (src/tasks with a real libSQL file and the manual clock): two instances on
 * one database run each task once; a task a crashed instance held is taken over only after its lease lapses, with the
 * try counted; a long task whose instance renews its lease is never taken by another.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createIdGen } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ChatRef, Delivery, OutMessage } from '../../src/core/outbox.ts';
import type { TurnOutcome, TurnRequest, TurnRunner } from '../../src/core/turn.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { claimNext } from '../../src/tasks/task-store.ts';
import { type Tasks, createTasks } from '../../src/tasks/tasks.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const LEASE = 60_000;
const log = createLogger({ level: 'silent' });
const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

let db: TempDb;
let store: Store;
let clock: ManualClock;
let sent: { to: ChatRef; message: OutMessage }[];
let turns: TurnRequest[];
let hold: Promise<void> | undefined;
const started: Tasks[] = [];

/** The Outbox port, recording: each dedupe key posts once, as the real outbox does. */
const outbox = {
  async send(to: ChatRef, message: OutMessage): Promise<Delivery> {
    const earlier = sent.findIndex((s) => message.dedupeKey !== undefined && s.message.dedupeKey === message.dedupeKey);
    if (earlier >= 0) return { ok: true, messageIds: [earlier + 1] };
    sent.push({ to, message });
    return { ok: true, messageIds: [sent.length] };
  },
};

/** The TurnRunner port: answers with the task's text, after `hold` when set. */
const turnRunner: TurnRunner = {
  async run(request): Promise<TurnOutcome> {
    turns.push(request);
    if (hold) await hold;
    return { status: 'done', text: `result of ${request.turnId}`, usage };
  },
};

function instance(name: string): Tasks {
  const tasks = createTasks({
    store,
    clock,
    log,
    ids: createIdGen(),
    outbox,
    turnRunner,
    instanceId: name,
    options: { leaseMs: LEASE },
  });
  started.push(tasks);
  return tasks;
}

const newTask = (userId: number, title: string) => ({
  userId,
  chat: { chatId: userId, type: 'private' as const },
  requestMessageId: 10 + userId,
  title,
  description: `Research ${title}.`,
  timezone: 'UTC',
  untrusted: false,
});

/** Lets the instances' loops do a few passes of real database I/O at the current clock time. */
async function settle(): Promise<void> {
  let passes = 0;
  await until(() => ++passes > 10, 'passes');
}

/** Real I/O (the database) settles in real time; the clock only moves when the test moves it. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await clock.flush();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out: ${what}`);
}

describe('background task claims (two instances, one database)', () => {
  beforeEach(async () => {
    db = tempDbUrl('task-claims');
    store = await createStore({ url: db.url, migrations });
    clock = createManualClock();
    sent = [];
    turns = [];
    hold = undefined;
  });
  afterEach(async () => {
    for (const t of started.splice(0)) await t.stop();
    await store.close();
    await db.cleanup();
  });

  it('two instances run each task exactly once and post each result once, as a reply', async () => {
    const a = instance('a');
    const b = instance('b');
    for (const [user, title] of [
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
      [4, 'four'],
    ] as const)
      assert.equal((await a.create(newTask(user, title))).ok, true);
    a.start();
    b.start();
    await until(() => sent.length === 4, 'four results');
    await clock.advance(LEASE);
    await until(
      async () => Number((await store.get('SELECT COUNT(*) AS n FROM tasks WHERE delivered = 1'))?.n) === 4,
      'all marked posted',
    );
    assert.equal(turns.length, 4, 'each task ran once');
    assert.equal(new Set(turns.map((t) => t.turnId)).size, 4);
    assert.ok(turns.every((t) => t.source === 'task' && t.messageId === 10 + t.userId));
    assert.deepEqual(sent.map((s) => s.message.replyTo).sort(), [11, 12, 13, 14]);
  });

  it("a crashed instance's task is taken over only after its lease lapses, and the try is counted", async () => {
    const b = instance('b');
    const created = await b.create(newTask(1, 'orphan'));
    assert.ok(created.ok);
    // What a crash leaves: claimed by an instance that will never renew it.
    const now = clock.now();
    const claimed = await claimNext(store, {
      instanceId: 'dead',
      now,
      leaseUntil: now + LEASE,
      perUserRunning: 2,
      globalRunning: 8,
    });
    assert.equal(claimed?.attempts, 1);
    b.start();
    await clock.advance(LEASE / 2);
    await settle();
    assert.equal(turns.length, 0, 'not taken while the lease holds');
    await clock.advance(LEASE);
    await until(() => sent.length === 1, 'the result after the takeover');
    const row = await store.get('SELECT status, attempts, claimed_by FROM tasks');
    assert.deepEqual([row?.status, Number(row?.attempts), row?.claimed_by], ['done', 2, 'b']);
  });

  it('a long task keeps its claim by renewing it: the other instance never takes it', async () => {
    let release!: () => void;
    hold = new Promise<void>((r) => {
      release = r;
    });
    const a = instance('a');
    await a.create(newTask(1, 'long'));
    a.start();
    await until(() => turns.length === 1, 'the task started on a');
    const b = instance('b');
    b.start();
    for (let i = 0; i < 12; i++) await clock.advance(LEASE / 4);
    await settle();
    assert.equal(turns.length, 1, 'b never took it over');
    const row = await store.get('SELECT status, claimed_by FROM tasks');
    assert.deepEqual([row?.status, row?.claimed_by], ['running', 'a']);
    release();
    await until(() => sent.length === 1, 'the result');
    assert.equal(turns.length, 1);
  });
});
