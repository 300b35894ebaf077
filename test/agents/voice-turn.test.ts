/**
 * A voice turn through the real turn runner, Network, memory (libSQL) and SDK against the fake Gemini: the agent
 * that hears the audio is asked for the transcript in its one call, the transcript comes back apart from the answer
 * (also when the model wrote it in a step that called a tool and waited for approval), and memory keeps the
 * transcript as the user's words and the answer without the marker.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { createNetwork } from '../../src/agents/network.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { createIdGen } from '../../src/core/clock.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { type Memory, createMemory } from '../../src/memory/memory.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { LIMITS, log, request } from './harness.ts';

describe('voice turn (turn runner, real memory, fake Gemini)', () => {
  const db = tempDbUrl('voice-turns');
  let gemini: FakeGemini;
  let store: Store;
  let memory: Memory;
  let runner: ReturnType<typeof createTurnRunner>;
  let seq = 0;
  const clock = createManualClock(Date.UTC(2026, 1, 17, 9, 30));
  const voice = { mimeType: 'audio/ogg', data: Buffer.from('OggS-voice').toString('base64') };

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
      execute: ({ item }) => ({ removed: item }),
    });
    const gate = { check: async () => ({ action: 'suspend' as const, payload: {} }) };
    const assistant = createAgent({
      name: 'assistant',
      description: 'Helps',
      model: 'agent-model',
      instructions: 'Help.',
      tools: [remove],
      llm,
      gate,
    });
    const network = createNetwork({
      name: 'router',
      router: { model: 'router-model', instructions: 'Route.' },
      agents: [assistant],
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
    gemini.setHandler((req) => (req.model === 'extract-model' ? { text: '[]' } : undefined));
  });

  const turn = (chatId: number) =>
    request({
      turnId: `update:${++seq}`,
      chat: { chatId, type: 'private' },
      userId: chatId,
      text: '',
      attachments: [voice],
    });
  const stored = async (chatId: number) =>
    (await store.query('SELECT role, text FROM memory_messages WHERE chat_id = ? ORDER BY id', [chatId])).map((r) => [
      String(r.role),
      String(r.text),
    ]);
  const agentCalls = () => gemini.generateCalls().filter((c) => c.model !== 'extract-model');

  it('one call asks for the transcript; it comes back apart and is stored as what the user said', async () => {
    gemini.enqueueFor(
      { model: 'agent-model' },
      { chunks: ['<transcript>Is it going', ' to rain today?</transcript>\n', 'Probably not.'] },
    );
    const out = await runner.run(turn(501));
    assert.equal(out.status, 'done');
    assert.equal(out.text, 'Probably not.');
    assert.equal(out.transcript, 'Is it going to rain today?');
    assert.equal(agentCalls().length, 1);
    assert.match(agentCalls()[0]?.systemText ?? '', /## Voice message[\s\S]*<transcript>/);
    assert.ok(!JSON.stringify(out.contents).includes('transcript>'), 'the stored model turn has no marker');
    assert.deepEqual(await stored(501), [
      ['user', 'Is it going to rain today?'],
      ['model', 'Probably not.'],
    ]);
    await memory.idle();
  });

  it('a model that leaves the marker out: the answer is kept whole, no transcript, the note of the audio is stored', async () => {
    gemini.enqueueFor({ model: 'agent-model' }, { text: 'Probably not.' });
    const out = await runner.run(turn(502));
    assert.equal(out.text, 'Probably not.');
    assert.equal(out.transcript, undefined);
    assert.deepEqual(await stored(502), [
      ['user', '[attachment: audio/ogg]'],
      ['model', 'Probably not.'],
    ]);
    await memory.idle();
  });

  it('written in a step that waits for approval: shown with the suspension, stored after the resume', async () => {
    gemini.enqueueFor(
      { model: 'agent-model' },
      {
        text: '<transcript>Remove milk from my list</transcript>',
        functionCalls: [{ name: 'remove_item', args: { item: 'milk' } }],
      },
    );
    const req = turn(503);
    const r = await runner.run(req);
    assert.equal(r.status, 'suspended');
    assert.equal(r.transcript, 'Remove milk from my list');
    assert.deepEqual(await stored(503), [], 'nothing stored before the decision');

    gemini.enqueueFor({ model: 'agent-model' }, { text: 'Milk removed.' });
    const suspension = JSON.parse(JSON.stringify(r.suspension));
    const done = await runner.resume({ ...req, source: 'resume' }, suspension, {
      [r.suspension?.pending[0]?.callId ?? '']: { type: 'approved' },
    });
    assert.equal(done.status, 'done');
    assert.equal(done.text, 'Milk removed.');
    assert.equal(done.transcript, 'Remove milk from my list');
    assert.deepEqual(await stored(503), [
      ['user', 'Remove milk from my list'],
      ['model', 'Milk removed.'],
    ]);
    await memory.idle();
  });

  it('a text turn is not asked for a transcript, and a reply that looks like one is left alone', async () => {
    gemini.enqueueFor({ model: 'router-model' }, { text: '<transcript>x</transcript> is an XML tag.' });
    const out = await runner.run(
      request({
        turnId: `update:${++seq}`,
        chat: { chatId: 504, type: 'private' },
        userId: 504,
        text: 'What is <transcript>?',
      }),
    );
    assert.equal(out.text, '<transcript>x</transcript> is an XML tag.');
    assert.equal(out.transcript, undefined);
    assert.doesNotMatch(agentCalls()[0]?.systemText ?? '', /Voice message/);
    await memory.idle();
  });
});
