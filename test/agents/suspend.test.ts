import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { createNetwork } from '../../src/agents/network.ts';
import { type GateCall, type ToolGate, defineTool } from '../../src/agents/tool.ts';
import { AppError } from '../../src/core/errors.ts';
import { type ScriptedHarness, createScriptedHarness, functionResponses } from './harness.ts';

/** A gate with a fixed policy: `delete_note` needs approval, `format_disk` is forbidden, the rest runs. */
const policyGate: ToolGate = {
  async check(call: GateCall) {
    if (call.tool === 'delete_note')
      return { action: 'suspend', payload: { prompt: `Delete note ${String(call.args.id)}?` } };
    if (call.tool === 'format_disk') return { action: 'deny', reason: 'never allowed' };
    return { action: 'allow' };
  },
};

describe('suspension and resume', () => {
  let h: ScriptedHarness;
  let deleted: string[];
  let reads: number;
  before(() => {
    h = createScriptedHarness();
  });
  beforeEach(() => {
    h.model.reset();
    deleted = [];
    reads = 0;
  });

  const tools = () => [
    defineTool({
      name: 'delete_note',
      description: 'Deletes a note',
      input: z.object({ id: z.string() }),
      execute: ({ id }) => {
        deleted.push(id);
        return { deleted: id };
      },
    }),
    defineTool({
      name: 'read_notes',
      description: 'Lists notes',
      input: z.object({}),
      execute: () => {
        reads++;
        return { notes: ['n1', 'n2'] };
      },
    }),
    defineTool({ name: 'format_disk', description: 'Formats', input: z.object({}), execute: () => 'formatted' }),
    defineTool({
      name: 'ask_user',
      description: 'Asks the user',
      input: z.object({ question: z.string() }),
      execute: ({ question }, ctx) => ctx.suspend('question', { question, options: ['tea', 'coffee'] }),
    }),
  ];

  const notesAgent = (gate?: ToolGate) =>
    createAgent({
      name: 'notes',
      description: 'Manages notes for the user',
      model: 'notes-model',
      instructions: 'Notes.',
      tools: tools(),
      llm: h.llm,
      ...(gate ? { gate } : {}),
    });

  it('suspends before a gated call while the allowed parallel call runs; approved runs the tool with stored args', async () => {
    const agent = notesAgent(policyGate);
    h.model.enqueue({ functionCalls: [{ name: 'delete_note', args: { id: 'n1' } }, { name: 'read_notes' }] });
    const r = await agent.run({ history: [], text: 'delete n1' }, h.ctx());
    assert.equal(r.status, 'suspended');
    assert.equal(reads, 1, 'the allowed call of the same step ran');
    assert.deepEqual(deleted, []);
    const pending = r.suspension?.pending ?? [];
    assert.equal(pending.length, 1);
    assert.equal(pending[0]?.kind, 'approval');
    assert.equal(pending[0]?.tool, 'delete_note');
    assert.deepEqual(pending[0]?.payload, { prompt: 'Delete note n1?' });
    // The snapshot survives a trip through JSON (the approvals store).
    const snapshot = JSON.parse(JSON.stringify(r.suspension?.snapshot));

    h.model.enqueue({ text: 'Deleted n1.' });
    const done = await agent.resume(snapshot, { [pending[0]?.callId ?? '']: { type: 'approved' } }, h.ctx());
    assert.equal(done.status, 'done');
    assert.equal(done.text, 'Deleted n1.');
    assert.deepEqual(deleted, ['n1']);
    assert.equal(reads, 1, 'the completed call did not run again');
    const responses = functionResponses(h.model.generateCalls()[1]?.contents ?? []);
    assert.deepEqual(
      responses.map((x) => x.response),
      [{ deleted: 'n1' }, { notes: ['n1', 'n2'] }],
    );
    // The full turn (before and after the pause) is in the result.
    assert.deepEqual(
      done.contents.map((c) => c.role),
      ['model', 'user', 'model'],
    );
  });

  it('denied: the tool never runs and the model is told why', async () => {
    const agent = notesAgent(policyGate);
    h.model.enqueue({ functionCalls: [{ name: 'delete_note', args: { id: 'n2' } }] });
    const r = await agent.run({ history: [], text: 'delete n2' }, h.ctx());
    const callId = r.suspension?.pending[0]?.callId ?? '';
    h.model.enqueue({ text: 'OK, I left it.' });
    const done = await agent.resume(
      r.suspension?.snapshot,
      { [callId]: { type: 'denied', reason: 'I changed my mind' } },
      h.ctx(),
    );
    assert.equal(done.text, 'OK, I left it.');
    assert.deepEqual(deleted, []);
    assert.deepEqual(functionResponses(h.model.generateCalls()[1]?.contents ?? [])[0]?.response, {
      error: 'The user denied this action: I changed my mind',
    });
  });

  it('a deny decision goes straight back to the model; a throwing gate fails closed (suspends)', async () => {
    h.model.enqueue({ functionCalls: [{ name: 'format_disk' }] }, { text: 'Not allowed.' });
    await notesAgent(policyGate).run({ history: [], text: 'format' }, h.ctx());
    assert.match(
      String(functionResponses(h.model.generateCalls()[1]?.contents ?? [])[0]?.response.error),
      /not allowed: never allowed/,
    );

    const broken: ToolGate = {
      check() {
        throw new Error('policy file unreadable');
      },
    };
    h.model.enqueue({ functionCalls: [{ name: 'read_notes' }] });
    const r = await notesAgent(broken).run({ history: [], text: 'read' }, h.ctx());
    assert.equal(r.status, 'suspended');
    assert.equal(r.suspension?.pending[0]?.kind, 'approval');
    assert.equal(reads, 0);
  });

  it('a tool can suspend with a question; the answer becomes its result', async () => {
    h.model.enqueue({ functionCalls: [{ name: 'ask_user', args: { question: 'Tea or coffee?' } }] });
    const agent = notesAgent();
    const r = await agent.run({ history: [], text: 'order a drink' }, h.ctx());
    assert.equal(r.status, 'suspended');
    const q = r.suspension?.pending[0];
    assert.equal(q?.kind, 'question');
    assert.deepEqual(q?.payload, { question: 'Tea or coffee?', options: ['tea', 'coffee'] });
    h.model.enqueue({ text: 'Tea it is.' });
    const done = await agent.resume(
      r.suspension?.snapshot,
      { [q?.callId ?? '']: { type: 'answer', value: 'tea' } },
      h.ctx(),
    );
    assert.equal(done.text, 'Tea it is.');
    assert.deepEqual(functionResponses(h.model.generateCalls()[1]?.contents ?? [])[0]?.response, { answer: 'tea' });
  });

  it('a sub-agent suspension suspends the Network; resume goes down to the right frame and returns directly', async () => {
    const net = createNetwork({
      name: 'router',
      router: { model: 'router-model', instructions: 'Route.' },
      agents: [
        notesAgent(policyGate),
        createAgent({
          name: 'chat',
          description: 'Small talk and chatting',
          model: 'chat-model',
          instructions: 'Chat.',
          llm: h.llm,
        }),
      ],
      llm: h.llm,
    });
    h.model.enqueueFor(
      { model: 'router-model' },
      { functionCalls: [{ name: 'agent_notes', args: { task: 'delete note n1' } }] },
    );
    h.model.enqueueFor({ model: 'notes-model' }, { functionCalls: [{ name: 'delete_note', args: { id: 'n1' } }] });
    const r = await net.run({ history: [], text: 'delete n1' }, h.ctx());
    assert.equal(r.status, 'suspended');
    const pending = r.suspension?.pending[0];
    assert.equal(pending?.agent, 'notes');
    assert.equal(pending?.tool, 'delete_note');

    // Missing resolutions are refused clearly.
    await assert.rejects(
      net.resume(r.suspension?.snapshot, {}, h.ctx()),
      (e: unknown) => e instanceof AppError && e.code === 'invalid_input',
    );
    // A damaged snapshot too.
    await assert.rejects(
      net.resume({ v: 2 }, {}, h.ctx()),
      (e: unknown) => e instanceof AppError && e.code === 'invalid_input',
    );

    h.model.enqueueFor({ model: 'notes-model' }, { text: 'Note n1 deleted.' });
    const done = await net.resume(
      JSON.parse(JSON.stringify(r.suspension?.snapshot)),
      { [pending?.callId ?? '']: { type: 'approved' } },
      h.ctx(),
    );
    assert.equal(done.status, 'done');
    assert.equal(done.text, 'Note n1 deleted.');
    assert.deepEqual(deleted, ['n1']);
    assert.deepEqual(
      h.model.generateCalls().map((c) => c.model),
      ['router-model', 'notes-model', 'notes-model'],
    );
  });

  it('parallel pending calls are decided one by one; resume needs all of them', async () => {
    const agent = notesAgent(policyGate);
    h.model.enqueue({
      functionCalls: [
        { name: 'delete_note', args: { id: 'a' } },
        { name: 'delete_note', args: { id: 'b' } },
      ],
    });
    const r = await agent.run({ history: [], text: 'delete a and b' }, h.ctx());
    const [first, second] = r.suspension?.pending ?? [];
    assert.ok(first && second);
    await assert.rejects(
      agent.resume(r.suspension?.snapshot, { [first.callId]: { type: 'approved' } }, h.ctx()),
      /no decision/,
    );
    h.model.enqueue({ text: 'Deleted a, kept b.' });
    const done = await agent.resume(
      r.suspension?.snapshot,
      { [first.callId]: { type: 'approved' }, [second.callId]: { type: 'denied', reason: 'keep it' } },
      h.ctx(),
    );
    assert.equal(done.text, 'Deleted a, kept b.');
    assert.deepEqual(deleted, ['a']);
  });

  it('a media turn suspended in the media agent resumes there (the router is never asked)', async () => {
    const assistant = createAgent({
      name: 'assistant',
      description: 'Reads what the user sent',
      model: 'assistant-model',
      instructions: 'Assist.',
      tools: tools(),
      llm: h.llm,
      gate: policyGate,
    });
    const net = createNetwork({
      name: 'router',
      router: { model: 'router-model', instructions: 'Route.' },
      agents: [notesAgent(policyGate), assistant],
      llm: h.llm,
    });
    h.model.enqueueFor(
      { model: 'assistant-model' },
      { functionCalls: [{ name: 'delete_note', args: { id: 'photo-note' } }] },
      { text: 'Deleted the note in your photo.' },
    );
    const r = await net.run(
      {
        history: [],
        text: 'delete the note in this photo',
        attachments: [{ mimeType: 'image/jpeg', data: '/9j/4AAQ' }],
      },
      h.ctx(),
    );
    assert.equal(r.status, 'suspended');
    const snapshot = JSON.parse(JSON.stringify(r.suspension?.snapshot));
    const callId = r.suspension?.pending[0]?.callId ?? '';
    const done = await net.resume(snapshot, { [callId]: { type: 'approved' } }, h.ctx());
    assert.equal(done.status, 'done');
    assert.equal(done.text, 'Deleted the note in your photo.');
    assert.deepEqual(deleted, ['photo-note']);
    assert.deepEqual(
      h.model.generateCalls().map((c) => c.model),
      ['assistant-model', 'assistant-model'],
    );
    assert.ok(
      JSON.stringify(h.model.generateCalls()[1]?.contents).includes('/9j/4AAQ'),
      'the resumed call still has the photo',
    );
  });
});
