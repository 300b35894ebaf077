import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { type ScriptedHarness, createScriptedHarness, functionResponses } from './harness.ts';

describe('agent loop', () => {
  let h: ScriptedHarness;
  before(() => {
    h = createScriptedHarness();
  });
  beforeEach(() => h.model.reset());

  const input = (text: string) => ({ history: [], text });

  it('streams a plain answer: events in order, time line once in the system instruction', async () => {
    const agent = createAgent({
      name: 'assistant',
      description: 'General help',
      model: 'agent-model',
      instructions: 'Be nice.',
      llm: h.llm,
    });
    h.model.enqueue({ chunks: ['Hel', 'lo!'] });
    const ctx = h.ctx();
    const r = await agent.run(input('hi'), ctx);
    assert.equal(r.status, 'done');
    assert.equal(r.text, 'Hello!');
    assert.deepEqual(
      h.events.map((e) => e.type),
      ['agent-start', 'text-delta', 'text-delta', 'usage', 'agent-finish'],
    );
    const system = h.model.generateCalls()[0]?.systemText ?? '';
    assert.ok(system.startsWith('Be nice.'));
    assert.equal(system.split('Current date and time').length, 2, 'exactly one time line');
    assert.ok(system.includes('Tuesday, 17 February 2026, 10:30 (Europe/Berlin, UTC+01:00)'));
    assert.equal(h.model.generateCalls()[0]?.kind, 'stream');
  });

  it('runs parallel tool calls concurrently and returns results in call order', async () => {
    let running = 0;
    let maxRunning = 0;
    const slowAdd = defineTool({
      name: 'add',
      description: 'Adds two numbers',
      input: z.object({ a: z.number(), b: z.number() }),
      async execute({ a, b }) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, a === 1 ? 40 : 5));
        running--;
        return { sum: a + b };
      },
    });
    const agent = createAgent({
      name: 'calc',
      description: 'Calculator',
      model: 'm',
      instructions: 'Calc.',
      tools: [slowAdd],
      llm: h.llm,
    });
    h.model.enqueue(
      {
        text: 'Let me add.',
        functionCalls: [
          { name: 'add', args: { a: 1, b: 2 } },
          { name: 'add', args: { a: 10, b: 20 } },
        ],
      },
      { text: '3 and 30' },
    );
    const r = await agent.run(input('add'), h.ctx());
    assert.equal(r.text, '3 and 30');
    assert.equal(maxRunning, 2, 'both calls ran at the same time');
    const second = h.model.generateCalls()[1];
    assert.ok(second);
    assert.deepEqual(
      functionResponses(second.contents).map((f) => f.response),
      [{ sum: 3 }, { sum: 30 }],
    );
    assert.deepEqual(
      h.events.filter((e) => e.type === 'tool-start' || e.type === 'tool-result').map((e) => e.type),
      ['tool-start', 'tool-start', 'tool-result', 'tool-result'],
    );
    // The turn's contents: model call turn, responses, final answer.
    assert.equal(r.contents.length, 3);
  });

  it('feeds invalid arguments back to the model without running the tool', async () => {
    let ran = false;
    const tool = defineTool({
      name: 'set_alarm',
      description: 'Sets an alarm',
      input: z.object({ minutes: z.number().int().positive() }),
      execute() {
        ran = true;
        return 'ok';
      },
    });
    const agent = createAgent({
      name: 'a',
      description: 'Alarms',
      model: 'm',
      instructions: 'x',
      tools: [tool],
      llm: h.llm,
    });
    h.model.enqueue(
      { functionCalls: [{ name: 'set_alarm', args: { minutes: 'ten' } }] },
      { functionCalls: [{ name: 'set_alarm', args: { minutes: 10 } }] },
      { text: 'Alarm set.' },
    );
    const r = await agent.run(input('alarm in ten'), h.ctx());
    assert.equal(r.text, 'Alarm set.');
    const fed = functionResponses(h.model.generateCalls()[1]?.contents ?? [])[0]?.response;
    assert.match(String(fed?.error), /Invalid arguments for set_alarm: minutes: .*number/);
    assert.equal(ran, true, 'the corrected call ran');
    const unknown = createAgent({
      name: 'b',
      description: 'x',
      model: 'm',
      instructions: 'x',
      tools: [tool],
      llm: h.llm,
    });
    h.model.enqueue({ functionCalls: [{ name: 'launch_rocket', args: {} }] }, { text: 'cannot' });
    await unknown.run(input('go'), h.ctx());
    assert.match(
      String(functionResponses(h.model.generateCalls().at(-1)?.contents ?? [])[0]?.response.error),
      /Unknown tool "launch_rocket"/,
    );
  });

  it('turns a thrown error and a timeout into tool errors and keeps going', async () => {
    let aborted = false;
    const boom = defineTool({
      name: 'boom',
      description: 'Fails',
      input: z.object({}),
      execute() {
        throw new Error('disk on fire');
      },
    });
    const slow = defineTool({
      name: 'slow',
      description: 'Hangs',
      input: z.object({}),
      timeoutMs: 50,
      execute(_args, ctx) {
        return new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        });
      },
    });
    const agent = createAgent({
      name: 'a',
      description: 'x',
      model: 'm',
      instructions: 'x',
      tools: [boom, slow],
      llm: h.llm,
    });
    h.model.enqueue({ functionCalls: [{ name: 'boom' }, { name: 'slow' }] }, { text: 'Both failed, sorry.' });
    const r = await agent.run(input('go'), h.ctx());
    assert.equal(r.status, 'done');
    const [a, b] = functionResponses(h.model.generateCalls()[1]?.contents ?? []);
    assert.deepEqual(a?.response, { error: 'disk on fire' });
    assert.match(String(b?.response.error), /timed out after 50 ms/);
    assert.equal(aborted, true, "the tool's signal was aborted on timeout");
    const results = h.events.filter((e) => e.type === 'tool-result');
    assert.deepEqual(
      results.map((e) => (e.type === 'tool-result' ? e.ok : null)),
      [false, false],
    );
  });

  it('stops at max steps with an honest message and the partial answer', async () => {
    const ping = defineTool({ name: 'ping', description: 'Ping', input: z.object({}), execute: () => 'pong' });
    const agent = createAgent({
      name: 'a',
      description: 'x',
      model: 'm',
      instructions: 'x',
      tools: [ping],
      llm: h.llm,
    });
    h.model.setHandler(() => ({ text: 'Still checking…', functionCalls: [{ name: 'ping' }] }));
    const r = await agent.run(input('loop forever'), h.ctx({ limits: { maxSteps: 3 } }));
    assert.equal(r.status, 'limit');
    assert.equal(r.limit, 'steps');
    assert.match(r.text, /I stopped after 3 steps/);
    assert.ok(r.text.startsWith('Still checking…'));
    assert.equal(h.model.generateCalls().length, 3);
    // History stays well-formed: it ends with a model turn.
    assert.equal(r.contents.at(-1)?.role, 'model');
  });

  it('retries an empty answer once, then says so honestly', async () => {
    const agent = createAgent({ name: 'a', description: 'x', model: 'm', instructions: 'x', llm: h.llm });
    h.model.enqueue({ text: '' }, { text: 'Here you go.' });
    assert.equal((await agent.run(input('q'), h.ctx())).text, 'Here you go.');
    assert.equal(h.model.generateCalls().length, 2);
    h.model.reset();
    h.model.enqueue({ text: '' }, { text: '', finishReason: 'SAFETY' });
    const r = await agent.run(input('q'), h.ctx());
    assert.match(r.text, /can't help with that/);
    assert.equal(r.status, 'done');
  });

  it('stops at the turn token budget', async () => {
    const ping = defineTool({ name: 'ping', description: 'Ping', input: z.object({}), execute: () => 'pong' });
    const agent = createAgent({
      name: 'a',
      description: 'x',
      model: 'm',
      instructions: 'x',
      tools: [ping],
      llm: h.llm,
    });
    h.model.setHandler(() => ({
      functionCalls: [{ name: 'ping' }],
      usage: { inputTokens: 900, outputTokens: 200 },
    }));
    const ctx = h.ctx({ limits: { turnTokenBudget: 2000 } });
    const r = await agent.run(input('q'), ctx);
    assert.equal(r.status, 'limit');
    assert.equal(r.limit, 'budget');
    assert.match(r.text, /processing budget \(2,000 tokens\)/);
    assert.equal(h.model.generateCalls().length, 2);
    assert.equal(ctx.budget.used.totalTokens, 2200);
  });

  it('sends user attachments as inlineData and streams tool progress', async () => {
    const look = defineTool({
      name: 'look',
      description: 'Looks',
      input: z.object({}),
      execute(_a, ctx) {
        ctx.progress('Looking closely…');
        return { seen: true };
      },
    });
    const agent = createAgent({
      name: 'a',
      description: 'x',
      model: 'm',
      instructions: 'x',
      tools: [look],
      llm: h.llm,
    });
    h.model.enqueue({ functionCalls: [{ name: 'look' }] }, { text: 'A cat.' });
    await agent.run(
      { history: [], text: 'what is this?', attachments: [{ mimeType: 'image/png', data: 'iVBORw0KGgo=' }] },
      h.ctx(),
    );
    const parts = h.model.generateCalls()[0]?.contents.at(-1)?.parts ?? [];
    assert.deepEqual(parts[1], { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } });
    assert.ok(h.events.some((e) => e.type === 'tool-progress' && e.message === 'Looking closely…'));
  });
});
