import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { backoffDelay } from '../../src/core/backoff.ts';
import { later } from '../../src/core/clock.ts';
import { createDueLoop } from '../../src/core/due-loop.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createTaskSet } from '../../src/core/task-set.ts';
import { createManualClock } from '../support/manual-clock.ts';

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination: stream }), lines };
}

test('backoffDelay grows by the factor, caps at maxMs, and jitter stays within [d(1-j), d]', () => {
  const o = { baseMs: 500, maxMs: 8_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a, o)),
    [500, 1000, 2000, 4000, 8000, 8000, 8000],
  );
  assert.equal(backoffDelay(0, o), 500, 'attempt below 1 counts as the first');
  assert.equal(backoffDelay(3, { ...o, factor: 3 }), 4500);
  assert.equal(backoffDelay(2000, o), 8000, 'huge attempts do not overflow to NaN');
  assert.equal(backoffDelay(3, { ...o, jitter: 0.5, random: () => 1 }), 1000);
  assert.equal(backoffDelay(3, { ...o, jitter: 0.5, random: () => 0 }), 2000);
});

test('later runs on the manual clock and can be cancelled', async () => {
  const clock = createManualClock();
  const seen: string[] = [];
  later(clock, 1000, () => {
    seen.push('a');
  });
  const cancel = later(clock, 500, () => {
    seen.push('b');
  });
  cancel();
  const errors: unknown[] = [];
  later(
    clock,
    2000,
    () => {
      throw new Error('boom');
    },
    { onError: (e) => errors.push(e) },
  );
  await clock.advance(999);
  assert.deepEqual(seen, []);
  await clock.advance(1);
  assert.deepEqual(seen, ['a']);
  await clock.advance(1000);
  assert.equal(errors.length, 1, 'a throwing callback reaches onError, not an unhandled rejection');
  assert.equal(clock.pendingSleeps(), 0);
});

test('task set logs failures, waits for tasks started while idle() waits, and drain refuses new work', async () => {
  const clock = createManualClock();
  const { log, lines } = capturedLogger();
  const tasks = createTaskSet({ clock, log });
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  tasks.run('first', async () => {
    await gate;
    order.push('first');
    tasks.run('chained', async () => {
      order.push('chained');
    });
  });
  tasks.run('fails', async () => {
    throw new Error('nope');
  });
  assert.equal(tasks.size, 2);
  const idle = tasks.idle().then(() => order.push('idle'));
  await clock.flush();
  release();
  await idle;
  assert.deepEqual(order, ['first', 'chained', 'idle']);
  assert.ok(lines.some((l) => l.task === 'fails' && l.msg === 'background task failed'));

  tasks.run('stuck', () => new Promise<void>(() => {}));
  const drained = tasks.drain(5_000);
  await clock.advance(5_000);
  assert.equal(await drained, false, 'drain gives up at its deadline');
  assert.equal(
    tasks.run('late', async () => {}),
    false,
    'no new tasks after drain',
  );
});

test('due loop ticks at the next due time, wakes early, backs off after errors, and stops', async () => {
  const clock = createManualClock(0);
  const { log, lines } = capturedLogger();
  const ticks: number[] = [];
  let next: number | null = 10_000;
  let fail = false;
  const loop = createDueLoop({
    clock,
    log,
    name: 'test',
    maxSleepMs: 60_000,
    errorDelayMs: 2_000,
    tick: async () => {
      ticks.push(clock.now());
      if (fail) {
        fail = false;
        throw new Error('tick failed');
      }
      return next;
    },
  });
  loop.start();
  await clock.flush();
  assert.deepEqual(ticks, [0]);
  await clock.advance(9_999);
  assert.deepEqual(ticks, [0]);
  next = null;
  await clock.advance(1);
  assert.deepEqual(ticks, [0, 10_000]);
  await clock.advance(30_000);
  assert.deepEqual(ticks, [0, 10_000], 'nothing due: sleeps maxSleepMs');
  fail = true;
  loop.wake();
  await clock.flush();
  assert.deepEqual(ticks, [0, 10_000, 40_000], 'wake() cuts the sleep short');
  assert.ok(lines.some((l) => l.loop === 'test' && l.level === 50));
  await clock.advance(2_000);
  assert.deepEqual(ticks, [0, 10_000, 40_000, 42_000], 'a failed tick retries after errorDelayMs');
  await loop.stop();
  await clock.advance(120_000);
  assert.equal(ticks.length, 4, 'no ticks after stop');
});
