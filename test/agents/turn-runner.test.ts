import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { createNetwork } from '../../src/agents/network.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { createIdGen } from '../../src/core/clock.ts';
import type { TurnEvent } from '../../src/core/turn.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { type Memory, createMemory } from '../../src/memory/memory.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { LIMITS, log, request } from './harness.ts';

describe('turn runner (real memory on libSQL, real SDK, fake Gemini)', () => {
  const db = tempDbUrl('turns');
  let gemini: FakeGemini;
  let store: Store;
  let memory: Memory;
  let runner: ReturnType<typeof createTurnRunner>;
  let removed: string[];
  let seq = 0;
  const clock = createManualClock(Date.UTC(2026, 1, 17, 9, 30));

  before(async () => {
    gemini = await createFakeGemini();
    store = await createStore({ url: db.url, migrations });
    const llm = createGeminiLlm({
      apiKey: gemini.apiKey,
      baseUrl: gemini.baseUrl,
      defaultTimeoutMs: 5000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      clock,
      log,
    });
    memory = createMemory({
      store,
      llm,
      clock,
      ids: createIdGen(12),
      log,
      models: { chat: 'extract-model' },
      options: { queryEmbedTimeoutMs: 2000 },
    });
    const remove = defineTool({
      name: 'remove_item',
      description: 'Removes an item',
      input: z.object({ item: z.string() }),
      execute: ({ item }) => {
        removed.push(item);
        return { removed: item };
      },
    });
    const helper = createAgent({
      name: 'helper',
      description: 'Does everything else',
      model: 'agent-model',
      instructions: 'Help.',
      tools: [remove],
      llm,
      gate: {
        check: async (c) => (c.tool === 'remove_item' ? { action: 'suspend', payload: {} } : { action: 'allow' }),
      },
    });
    const network = createNetwork({
      name: 'router',
      router: { model: 'router-model', instructions: 'Route.' },
      agents: [helper],
      llm,
    });
    runner = createTurnRunner({ network, memory, clock, log, limits: LIMITS });
  });
  after(async () => {
    await memory.close();
    await store.close();
    await gemini.close();
    await db.cleanup();
  });
  beforeEach(() => {
    gemini.reset();
    removed = [];
    // Background fact extraction uses its own model; it finds nothing.
    gemini.setHandler((req) => (req.model === 'extract-model' ? { text: '[]' } : undefined));
  });

  const turn = (text: string, extra: Parameters<typeof request>[0] = {}) =>
    request({ turnId: `update:${++seq}`, chat: { chatId: 7, type: 'private' }, userId: 7, text, ...extra });
  const agentCalls = () => gemini.generateCalls().filter((c) => c.model !== 'extract-model');

  it('the router receives the previous turns from memory, and "thanks" costs exactly one generate call', async () => {
    gemini.enqueueFor(
      { model: 'router-model' },
      { functionCalls: [{ name: 'agent_helper', args: { task: 'note that my cat is Miso' } }] },
    );
    gemini.enqueueFor({ model: 'agent-model' }, { text: 'Noted: your cat is Miso.' });
    const first = await runner.run(turn('My cat is called Miso, note that'));
    assert.equal(first.status, 'done');
    assert.equal(first.text, 'Noted: your cat is Miso.');
    assert.equal(agentCalls().length, 2, 'delegated turn = 2 generate calls');
    await memory.idle();

    gemini.clear();
    gemini.enqueueFor({ model: 'router-model' }, { text: "You're welcome!" });
    const events: TurnEvent[] = [];
    const second = await runner.run(turn('thanks'), (e) => events.push(e));
    assert.equal(second.text, "You're welcome!");
    assert.equal(agentCalls().length, 1, 'a plain thanks = 1 generate call');
    const routerReq = agentCalls()[0];
    const seen = JSON.stringify(routerReq?.contents);
    assert.ok(seen.includes('My cat is called Miso'), 'previous user turn in the router request');
    assert.ok(seen.includes('Noted: your cat is Miso.'), 'previous answer in the router request');
    assert.ok(routerReq?.systemText.includes('Current date and time for the user: Tuesday, 17 February 2026, 10:30'));
    assert.deepEqual(second.usage.totalTokens > 0, true);
    assert.deepEqual(
      events.map((e) => e.type),
      ['agent-start', 'text-delta', 'usage', 'agent-finish'],
    );
    await memory.idle();
  });

  it('an exhausted Gemini becomes a failed outcome that says what to do, and is not saved to memory', async () => {
    gemini.failNext(1, { status: 503 });
    const r = await runner.run(turn('what is the weather like on the moon'));
    assert.equal(r.status, 'failed');
    assert.equal(r.text, "Gemini isn't responding right now — tap Retry in a minute.");
    assert.equal(r.error?.code, 'llm_unavailable');
    gemini.clear();
    gemini.enqueueFor({ model: 'router-model' }, { text: 'Hi!' });
    await runner.run(turn('hello again'));
    assert.ok(!JSON.stringify(agentCalls()[0]?.contents).includes('weather like on the moon'));
    await memory.idle();
  });

  it('a stopped turn ends as stopped', async () => {
    const ac = new AbortController();
    gemini.enqueueFor({ model: 'router-model' }, { text: 'slow', hangMs: 2000 });
    const pending = runner.run(turn('tell me a long story', { signal: ac.signal }));
    // Abort only once the model call is in flight, so no stale request can reach the fake later.
    await gemini.waitFor(() => agentCalls().some((c) => c.model === 'router-model'));
    ac.abort();
    const r = await pending;
    assert.equal(r.status, 'stopped');
    assert.equal(r.text, 'Stopped.');
  });

  it('suspends with a JSON snapshot, commits only after resume, and keeps usage across the pause', async () => {
    gemini.enqueueFor(
      { model: 'router-model' },
      { functionCalls: [{ name: 'agent_helper', args: { task: 'remove the milk' } }] },
    );
    gemini.enqueueFor({ model: 'agent-model' }, { functionCalls: [{ name: 'remove_item', args: { item: 'milk' } }] });
    const req = turn('remove milk from my list');
    const r = await runner.run(req);
    assert.equal(
      r.status,
      'suspended',
      `${r.text} ${JSON.stringify(gemini.requests.map((q) => [q.model, q.status, q.lastUserText]))}`,
    );
    assert.equal(r.suspension?.pending[0]?.tool, 'remove_item');
    const suspension = JSON.parse(JSON.stringify(r.suspension));
    const before = r.usage.totalTokens;
    assert.ok(before > 0);

    gemini.enqueueFor({ model: 'agent-model' }, { text: 'Milk removed.' });
    const done = await runner.resume({ ...req, source: 'resume' }, suspension, {
      [r.suspension?.pending[0]?.callId ?? '']: { type: 'approved' },
    });
    assert.equal(done.status, 'done');
    assert.equal(done.text, 'Milk removed.');
    assert.deepEqual(removed, ['milk']);
    assert.ok(done.usage.totalTokens > before);
    await memory.idle();

    gemini.clear();
    gemini.enqueueFor({ model: 'router-model' }, { text: 'Sure.' });
    await runner.run(turn('ok'));
    assert.ok(JSON.stringify(agentCalls()[0]?.contents).includes('Milk removed.'), 'the resumed turn was committed');

    const bad = await runner.resume(req, { snapshot: { nope: true }, pending: [] }, {});
    assert.equal(bad.status, 'failed');
    assert.match(bad.text, /can't be continued/);
    await memory.idle();
  });
});
