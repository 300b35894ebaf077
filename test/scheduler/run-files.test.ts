/**
 * A scheduled prompt whose answer came from code execution: the chart the code drew is sent after the scheduled
 * answer, as a photo with the bytes the model returned (real scheduler, real Network with an analyst, real outbox →
 * fake Telegram; the model is the fake Gemini).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createToolRegistry } from '../../src/agents/registry.ts';
import { createNetworkFromRoster } from '../../src/agents/roster.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { rosterSchema } from '../../src/config/roster.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { CHAT, type Harness, USER, createHarness } from './harness.ts';

const MIN = 60_000;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('scheduled prompt with code execution', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness(Date.parse('2026-03-02T06:30:00Z')); // Mon 07:30 Berlin
  });
  after(async () => {
    await h.close();
  });

  function analystRunner() {
    const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const llm = createGeminiLlm({
      apiKey: h.gemini.apiKey,
      baseUrl: h.gemini.baseUrl,
      defaultTimeoutMs: 5000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      clock: systemClock,
      log,
    });
    const roster = rosterSchema.parse({
      router: { prompt: 'router.md' },
      agents: [
        { name: 'analyst', description: 'Numbers, data and charts.', prompt: 'a.md', builtinTools: ['code_execution'] },
      ],
    });
    const network = createNetworkFromRoster({
      roster,
      prompts: { 'router.md': 'You route requests.', 'a.md': 'You are the analyst.' },
      models: { default: 'gemini-test', router: 'gemini-test-router' },
      llm,
      registry: createToolRegistry(),
    });
    return createTurnRunner({ network, clock: systemClock, log, limits: roster.limits });
  }

  it('sends the chart after the scheduled answer', async () => {
    const { scheduler } = await h.newScheduler(undefined, { turnRunner: analystRunner() });
    await scheduler.start();
    const created = await scheduler.create({
      ownerUserId: USER,
      chat: { chatId: CHAT, type: 'private' },
      kind: 'prompt',
      text: 'Chart this week of bitcoin prices',
      when: { every: 'weekday', at: '08:00' },
      announce: false,
    });
    h.gemini.enqueueFor(
      { model: 'gemini-test-router' },
      { functionCalls: [{ name: 'agent_analyst', args: { task: 'Chart this week of bitcoin prices' } }] },
    );
    h.gemini.enqueueFor(
      { model: 'gemini-test' },
      {
        codeExecution: [{ code: 'plt.plot(prices)', files: [{ mimeType: 'image/png', data: PNG }] }],
        text: 'Prices went up this week.',
      },
    );
    await h.clock.advance(30 * MIN);
    await scheduler.tick();
    const answer = await h.tg.waitForBotMessage(CHAT, (m) => m.text.includes('Prices went up this week.'));
    const photo = await h.tg.waitForBotMessage(CHAT, (m) => m.kind === 'photo', { since: answer.messageId });
    assert.deepEqual(Buffer.from(h.tg.file(photo.photo?.fileId ?? '')?.data ?? []), PNG);
    await scheduler.delete(created.job.id);
    await scheduler.stop();
  });
});
