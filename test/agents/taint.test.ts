/**
 * The per-turn `turnReadUntrusted` flag (issue 12, point 3) through the real turn runner and agent loop against the
 * fake Gemini: what the approval gate sees for each guarded call.
 */
import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { type ToolGate, defineTool } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { type ScriptedHarness, LIMITS, createScriptedHarness, log, request } from './harness.ts';

describe('turnReadUntrusted', () => {
  let h: ScriptedHarness;
  /** What the gate saw for each `delete_note` call, in order. */
  let seen: (boolean | undefined)[];
  before(() => {
    h = createScriptedHarness();
  });
  beforeEach(() => {
    h.model.reset();
    seen = [];
  });

  const gate: ToolGate = {
    async check(call, ctx) {
      if (call.tool !== 'delete_note') return { action: 'allow' };
      seen.push(ctx.turnReadUntrusted);
      return { action: 'allow' };
    },
  };

  const tools = () => [
    defineTool({
      name: 'delete_note',
      description: 'Deletes a note',
      input: z.object({ id: z.string() }),
      execute: ({ id }) => ({ deleted: id }),
    }),
    defineTool({
      name: 'read_page',
      description: 'Reads a web page',
      input: z.object({}),
      untrusted: true,
      execute: () => 'page text',
    }),
    defineTool({
      name: 'ask_user',
      description: 'Asks the user',
      input: z.object({ question: z.string() }),
      execute: ({ question }, ctx) => ctx.suspend('question', { question }),
    }),
  ];

  const runner = () =>
    createTurnRunner({
      network: createAgent({
        name: 'notes',
        description: 'Notes',
        model: 'm',
        instructions: 'Notes.',
        tools: tools(),
        llm: h.llm,
        gate,
      }),
      clock: h.clock,
      log,
      limits: LIMITS,
    });

  it('is false for a plain request, and for a call made in the same step as the page read', async () => {
    h.model.enqueue(
      { functionCalls: [{ name: 'delete_note', args: { id: 'n1' } }] },
      {
        functionCalls: [
          { name: 'delete_note', args: { id: 'n2' } },
          { name: 'read_page', args: {} },
        ],
      },
      { functionCalls: [{ name: 'delete_note', args: { id: 'n3' } }] },
      { text: 'done' },
    );
    const outcome = await runner().run(request({ text: 'delete n1, n2, n3' }));
    assert.equal(outcome.status, 'done');
    assert.deepEqual(seen, [false, false, true], 'only the call made after the page entered the context is tainted');
  });

  it('starts true for forwarded or quoted input', async () => {
    h.model.enqueue({ functionCalls: [{ name: 'delete_note', args: { id: 'n1' } }] }, { text: 'done' });
    await runner().run(request({ text: 'delete n1', untrustedInput: true }));
    assert.deepEqual(seen, [true]);
  });

  it('is kept in a suspended run: after the resume, a guarded call still counts as untrusted', async () => {
    h.model.enqueue(
      { functionCalls: [{ name: 'read_page', args: {} }] },
      { functionCalls: [{ name: 'ask_user', args: { question: 'Which note?' } }] },
    );
    const first = await runner().run(request({ text: 'read the page, then ask me' }));
    assert.equal(first.status, 'suspended');
    const suspension = JSON.parse(JSON.stringify(first.suspension)) as NonNullable<typeof first.suspension>;
    const callId = suspension.pending[0]?.callId ?? '';

    h.model.enqueue({ functionCalls: [{ name: 'delete_note', args: { id: 'n1' } }] }, { text: 'done' });
    // A fresh runner, as after a restart: the flag can only come from the stored snapshot.
    const resumed = await runner().resume(request({ source: 'resume' }), suspension, {
      [callId]: { type: 'answer', value: 'n1' },
    });
    assert.equal(resumed.status, 'done');
    assert.deepEqual(seen, [true]);
  });
});
