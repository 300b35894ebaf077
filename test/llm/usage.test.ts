import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { pino } from 'pino';
import { createUsageRecorder } from '../../src/llm/usage.ts';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const db = tempDbUrl('usage');
after(() => db.cleanup());

it('records llm calls in llm_calls and sums them per model; a failing write never throws', async () => {
  const store = await createStore({ url: db.url, migrations });
  const clock = createManualClock(Date.UTC(2026, 1, 1));
  const recorder = createUsageRecorder({ store, clock, log: pino({ level: 'silent' }) });
  recorder.record({
    model: 'flash',
    kind: 'generate',
    usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    ms: 12.4,
    ok: true,
    attempts: 1,
  });
  recorder.record({
    model: 'flash',
    kind: 'stream',
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    ms: 3,
    ok: false,
    error: 'llm_rate_limited',
    attempts: 3,
  });
  recorder.record({
    model: 'lite',
    kind: 'generate',
    usage: { inputTokens: 7, outputTokens: 1, totalTokens: 8 },
    ms: 2,
    ok: true,
    attempts: 1,
  });
  await recorder.flush();
  const rows = await store.query(
    'SELECT model, kind, input_tokens, ok, error, attempts, ms, ts FROM llm_calls ORDER BY id',
  );
  assert.equal(rows.length, 3);
  assert.equal(rows[1]?.error, 'llm_rate_limited');
  assert.equal(rows[0]?.ms, 12);
  assert.equal(rows[0]?.ts, clock.now());
  assert.deepEqual(await recorder.summary(0), [
    { model: 'flash', calls: 2, failed: 1, inputTokens: 10, outputTokens: 5 },
    { model: 'lite', calls: 1, failed: 0, inputTokens: 7, outputTokens: 1 },
  ]);
  await store.close();
  // The store is closed now: recording must not throw or reject unhandled.
  recorder.record({
    model: 'flash',
    kind: 'embed',
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    ms: 1,
    ok: true,
    attempts: 1,
  });
  await recorder.flush();
});
