/**
 * Issue 18 point 3: job lateness reaches /metrics. A reminder due at 07:35 whose occurrence the scheduler only picks
 * up at 07:37 (the process was busy or down) is observed as 120 s late, once, in `assistant_job_lateness_seconds`;
 * its retry is not observed again. Real scheduler on libSQL with the manual clock, real metrics (prom-client).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withTelemetry } from '../../src/core/telemetry.ts';
import { createObservability } from '../../src/observability/observability.ts';
import { CHAT, type Harness, USER, createHarness } from '../scheduler/harness.ts';
import { parsePrometheusText } from '../support/prom-text.ts';

const MIN = 60_000;
let h: Harness;

before(async () => {
  h = await createHarness(Date.parse('2026-03-02T06:30:00Z'));
});
after(async () => {
  await h.close();
});

test('a job picked up two minutes after its due time is observed as 120 s late, once', async () => {
  const obs = createObservability({ env: {}, version: 'test', now: () => h.clock.now() });
  const { scheduler } = await h.newScheduler({ retryDelaysMs: [10_000] });
  await withTelemetry(obs.telemetry, async () => {
    await scheduler.create({
      ownerUserId: USER,
      chat: { chatId: CHAT, type: 'private' },
      kind: 'reminder',
      text: 'stretch',
      when: { in: { minutes: 5 } },
      announce: false,
    });
    // The first attempt fails (both outbox tries), so the occurrence is retried: lateness counts the first only.
    h.tg.failNext('sendMessage', { error_code: 502, description: 'Bad Gateway' }, 2);
    await h.clock.advance(7 * MIN);
    await scheduler.tick();
    await h.clock.advance(10_000);
    await scheduler.tick();
  });
  assert.equal(h.tg.botMessages(CHAT).filter((m) => m.text === '⏰ stretch').length, 1, 'delivered on the retry');
  const { samples } = parsePrometheusText((await obs.metrics.exposition()).body);
  const value = (name: string, le?: string) =>
    samples.find((s) => s.name === name && (le === undefined || s.labels.le === le))?.value;
  assert.equal(value('assistant_job_lateness_seconds_count'), 1);
  assert.equal(value('assistant_job_lateness_seconds_sum'), 120);
  assert.equal(value('assistant_job_lateness_seconds_bucket', '60'), 0);
  assert.equal(value('assistant_job_lateness_seconds_bucket', '300'), 1);
  await scheduler.stop();
});
