import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createToolRegistry } from '../../src/agents/registry.ts';
import { createRosterAgent } from '../../src/agents/roster-agent.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { createWrappableTurnRunner } from '../../src/agents/turn-wrappers.ts';
import { rosterSchema } from '../../src/config/roster.ts';
import { ConfigError } from '../../src/core/errors.ts';
import type { ResumableTurnRunner } from '../../src/core/turn.ts';
import { createScriptedLlm } from '../support/scripted-llm.ts';
import { LIMITS, createScriptedHarness, log, request } from './harness.ts';

const roster = rosterSchema.parse({
  router: { prompt: 'r.md' },
  agents: [{ name: 'notes', description: 'Keeps the user notes', prompt: 'n.md', tools: ['note_add'] }],
});
const prompts = { 'r.md': 'Route.', 'n.md': 'Take notes.' };
const MODELS = { default: 'agent-model', router: 'router-model' };

/** A tool that needs a service created after the turn runner (as the scheduler's tools need the scheduler). */
function noteTool(notes: string[]) {
  return defineTool({
    name: 'note_add',
    description: 'Adds a note',
    input: z.object({ text: z.string() }),
    execute: ({ text }) => {
      notes.push(text);
      return { saved: true };
    },
  });
}

describe('wiring without late binding', () => {
  it('the roster agent exists before its tools and resolves them from the registry once they are registered', async () => {
    const h = createScriptedHarness();
    const registry = createToolRegistry();
    const network = createRosterAgent({ roster, prompts, models: MODELS, llm: h.llm, registry });
    // The turn runner can be built (and handed to the scheduler, approvals, chat) before any tool exists.
    const runner = createTurnRunner({ network, clock: h.clock, log, limits: { ...LIMITS } });
    const notes: string[] = [];
    registry.register(noteTool(notes));
    network.resolve();

    h.model.enqueueFor(
      { model: 'router-model' },
      { functionCalls: [{ name: 'agent_notes', args: { task: 'note milk' } }] },
    );
    h.model.enqueueFor({ model: 'agent-model' }, { functionCalls: [{ name: 'note_add', args: { text: 'milk' } }] });
    h.model.enqueueFor({ model: 'agent-model' }, { text: 'Noted: milk.' });
    const outcome = await runner.run(request({ text: 'note milk' }));
    assert.equal(outcome.status, 'done');
    assert.equal(outcome.text, 'Noted: milk.');
    assert.deepEqual(notes, ['milk']);
    assert.deepEqual(h.model.generateCalls()[1]?.toolNames, ['note_add']);
  });

  it('resolve() reports unknown tools as a ConfigError, and a turn before resolve() fails instead of running', async () => {
    const registry = createToolRegistry();
    const llm = createScriptedLlm();
    const network = createRosterAgent({ roster, prompts, models: MODELS, llm, registry });
    const h = createScriptedHarness();
    const runner = createTurnRunner({ network, clock: h.clock, log, limits: { ...LIMITS } });
    const early = await runner.run(request());
    assert.equal(early.status, 'failed');
    assert.equal(llm.generateCalls().length, 0, 'no model call before the tools are resolved');
    assert.throws(
      () => network.resolve(),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.includes('"note_add"')),
    );
  });

  it('a wrapper added after the runner was handed out applies to every later turn, the last added outermost', async () => {
    const calls: string[] = [];
    const base: ResumableTurnRunner = {
      run: async (req) => {
        calls.push(`base:${req.text}`);
        return { status: 'done', text: req.text, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } };
      },
      resume: async () => ({
        status: 'failed',
        text: 'no',
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      }),
    };
    const runner = createWrappableTurnRunner(base);
    const heldByScheduler: ResumableTurnRunner = runner;
    const tag =
      (name: string) =>
      (inner: ResumableTurnRunner): ResumableTurnRunner => ({
        run: async (req, onEvent) => {
          calls.push(`${name}:in`);
          const out = await inner.run(req, onEvent);
          return { ...out, text: `${out.text}+${name}` };
        },
        resume: (req, s, r, onEvent) => inner.resume(req, s, r, onEvent),
      });
    runner.wrap(tag('cards'));
    runner.wrap(tag('outer'));
    const out = await heldByScheduler.run(request({ text: 'hi' }));
    assert.equal(out.text, 'hi+cards+outer');
    assert.deepEqual(calls, ['outer:in', 'cards:in', 'base:hi']);
  });
});
