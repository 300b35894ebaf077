import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { createRunContext } from '../../src/agents/context.ts';
import { type ToolGate, defineTool } from '../../src/agents/tool.ts';
import { rosterSchema } from '../../src/config/roster.ts';
import { type ScriptedHarness, createScriptedHarness, functionResponses, log, request } from './harness.ts';

/** Issue 11 point 5: one model step may run at most `limits.maxToolCallsPerStep` tool calls (default 8). */
describe('tool calls per step are capped', () => {
  let h: ScriptedHarness;
  let ran: number[];
  before(() => {
    h = createScriptedHarness();
  });
  beforeEach(() => {
    h.model.reset();
    ran = [];
  });

  const count = defineTool({
    name: 'count',
    description: 'Counts',
    input: z.object({ n: z.number().int() }),
    execute: ({ n }) => {
      ran.push(n);
      return { counted: n };
    },
  });
  const wipe = defineTool({ name: 'wipe', description: 'Needs approval', input: z.object({}), execute: () => 'wiped' });
  const gate: ToolGate = {
    check: async (call) => (call.tool === 'wipe' ? { action: 'suspend', payload: {} } : { action: 'allow' }),
  };
  const calls = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({ name: 'count', args: { n: from + i }, id: `c${from + i}` }));

  it('a step with 12 calls runs the first 8 tools and answers the other 4 with an error, every call paired', async () => {
    const agent = createAgent({
      name: 'a',
      description: 'Counter',
      model: 'm',
      instructions: 'x',
      tools: [count],
      llm: h.llm,
    });
    h.model.enqueue({ functionCalls: calls(12) }, { text: 'Counted the first eight.' });
    const r = await agent.run({ history: [], text: 'count to twelve' }, h.ctx());
    assert.equal(r.status, 'done');
    assert.equal(r.text, 'Counted the first eight.');
    assert.deepEqual(
      ran.sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
      'exactly the first 8 calls executed',
    );
    const second = h.model.generateCalls()[1];
    assert.ok(second, 'the model was called again (the fake rejects unpaired calls with 400)');
    const responses = functionResponses(second.contents) as {
      name: string;
      id?: string;
      response: Record<string, unknown>;
    }[];
    assert.equal(responses.length, 12, 'every call has a response');
    assert.deepEqual(
      responses.map((f) => f.id),
      calls(12).map((c) => c.id),
    );
    assert.deepEqual(
      responses.slice(0, 8).map((f) => f.response),
      [0, 1, 2, 3, 4, 5, 6, 7].map((n) => ({ counted: n })),
    );
    for (const f of responses.slice(8))
      assert.match(String(f.response.error), /^Not run: one step may make at most 8 tool calls and this step made 12/);
    assert.equal(h.events.filter((e) => e.type === 'tool-start').length, 8);
  });

  it('the cap is the roster setting limits.maxToolCallsPerStep', async () => {
    const roster = rosterSchema.parse({
      router: { prompt: 'r.md' },
      agents: [{ name: 'a', description: 'Counter agent', prompt: 'a.md' }],
      limits: { maxToolCallsPerStep: 3 },
    });
    assert.equal(
      rosterSchema.parse({
        router: { prompt: 'r.md' },
        agents: [{ name: 'a', description: 'Counter agent', prompt: 'a.md' }],
      }).limits.maxToolCallsPerStep,
      8,
    );
    const ctx = createRunContext({ request: request(), clock: h.clock, log, limits: roster.limits });
    const agent = createAgent({
      name: 'a',
      description: 'Counter',
      model: 'm',
      instructions: 'x',
      tools: [count],
      llm: h.llm,
    });
    h.model.enqueue({ functionCalls: calls(5) }, { text: 'ok' });
    await agent.run({ history: [], text: 'count' }, ctx);
    assert.deepEqual(
      ran.sort((a, b) => a - b),
      [0, 1, 2],
    );
    const responses = functionResponses(h.model.generateCalls()[1]?.contents ?? []);
    assert.equal(responses.length, 5);
    assert.match(String(responses[3]?.response.error), /at most 3 tool calls and this step made 5/);
  });

  it('refused calls stay refused across a suspension: the resume runs only the approved call', async () => {
    const agent = createAgent({
      name: 'a',
      description: 'Counter',
      model: 'm',
      instructions: 'x',
      tools: [count, wipe],
      llm: h.llm,
      gate,
    });
    h.model.enqueue({ functionCalls: [{ name: 'wipe', args: {}, id: 'w' }, ...calls(9)] });
    const r = await agent.run({ history: [], text: 'wipe and count' }, h.ctx());
    assert.equal(r.status, 'suspended');
    assert.equal(ran.length, 7, 'the 7 allowed calls within the cap ran; the gated one waits');
    const pending = r.suspension?.pending ?? [];
    assert.equal(pending.length, 1);
    h.model.enqueue({ text: 'Done.' });
    const snapshot = JSON.parse(JSON.stringify(r.suspension?.snapshot));
    await agent.resume(snapshot, { [pending[0]?.callId ?? '']: { type: 'approved' } }, h.ctx());
    assert.equal(ran.length, 7, 'no capped call ran on resume');
    const responses = functionResponses(h.model.generateCalls()[1]?.contents ?? []);
    assert.equal(responses.length, 10);
    assert.deepEqual(responses[0]?.response, { result: 'wiped' });
    assert.equal(responses.filter((f) => /^Not run/.test(String(f.response.error))).length, 2);
  });
});
