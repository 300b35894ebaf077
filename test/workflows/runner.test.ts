/**
 * Issue 17, part 2: the workflow runner (src/workflows) on a real database file with a manual clock. The model and
 * the tools are test doubles of the Llm port and the Tool contract; the runner, its event log, leases and decisions
 * are the real ones.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { type Tool, type ToolGate, defineTool } from '../../src/agents/tool.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { OutMessage, Outbox } from '../../src/core/outbox.ts';
import type { TurnRequest } from '../../src/core/turn.ts';
import type { Llm } from '../../src/llm/types.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type Workflow, workflowSchema } from '../../src/workflows/definition.ts';
import { type Workflows, createWorkflows } from '../../src/workflows/service.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const log = createLogger({ level: 'silent' });
const USER = 42;

function recordingOutbox() {
  const sent: OutMessage[] = [];
  const byKey = new Map<string, number>();
  const outbox = {
    async send(_to: unknown, m: OutMessage) {
      const known = m.dedupeKey ? byKey.get(m.dedupeKey) : undefined;
      if (known !== undefined) return { ok: true, messageIds: [known] };
      sent.push(m);
      if (m.dedupeKey) byKey.set(m.dedupeKey, sent.length);
      return { ok: true, messageIds: [sent.length] };
    },
    edit: async () => ({ ok: true, messageIds: [] }),
    editKeyboard: async () => ({ ok: true, messageIds: [] }),
  } as unknown as Outbox;
  return { sent, outbox };
}

function echoLlm(calls: string[]): Llm {
  return {
    async generate(req: { contents: { parts: { text?: string }[] }[] }) {
      const task = req.contents[0]?.parts[0]?.text ?? '';
      calls.push(task);
      const text = `said ${task}`;
      return {
        content: { role: 'model', parts: [{ text }] },
        text,
        functionCalls: [],
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      };
    },
  } as unknown as Llm;
}

const allow: ToolGate = { check: async () => ({ action: 'allow' }) };

function request(turnId: string): TurnRequest {
  return {
    turnId,
    userId: USER,
    chat: { chatId: USER, type: 'private' },
    text: '',
    attachments: [],
    source: 'schedule',
    timezone: 'UTC',
  };
}

describe('workflow runner', () => {
  let db: TempDb;
  let store: Store;
  let clock: ManualClock;
  const runners: Workflows[] = [];
  beforeEach(async () => {
    db = tempDbUrl('wf-runner');
    store = await createStore({ url: db.url, migrations });
    clock = createManualClock();
  });
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
    await store.close();
    await db.cleanup();
  });

  function runner(o: { wf: unknown; llm?: Llm; tools?: Tool[]; gate?: ToolGate; outbox: Outbox }): Workflows {
    const wf = workflowSchema.parse(o.wf) as Workflow;
    const r = createWorkflows({
      store,
      clock,
      log,
      outbox: o.outbox,
      definitions: new Map([[wf.name, wf]]),
      steps: {
        llm: o.llm ?? echoLlm([]),
        models: { default: 'big', router: 'small' },
        agentNamed: () => ({ instructions: 'be brief', builtinTools: [] }),
        toolNamed: (n) => o.tools?.find((t) => t.name === n),
        gate: o.gate ?? allow,
        toolTimeoutMs: 600_000,
        llmTimeoutMs: 60_000,
        decisionTimeoutMs: (p) => Number(p.timeoutMs ?? 60_000),
      },
    });
    runners.push(r);
    return r;
  }

  const events = async (runId: string) =>
    (await store.query('SELECT seq, type, step FROM workflow_events WHERE run_id = ? ORDER BY seq', [runId])).map(
      (r) => `${r.seq} ${r.type}${r.step ? ` ${r.step}` : ''}`,
    );

  it('a side-effecting tool step cut off by a crash is not run again: the run stops and says so', async () => {
    let executions = 0;
    let release: () => void = () => {};
    const sendMail = defineTool({
      name: 'send_mail',
      description: 'sends a mail',
      input: z.object({ to: z.string() }),
      execute: async () => {
        executions++;
        await new Promise<void>((r) => {
          release = r;
        });
        return { sent: true };
      },
    });
    const wf = {
      name: 'mail',
      description: 'd',
      steps: [
        { id: 'mail', type: 'tool', tool: 'send_mail', args: { to: 'bob' } },
        { id: 'post', type: 'post', text: 'mailed' },
      ],
    };
    const first = recordingOutbox();
    const a = runner({ wf, tools: [sendMail], outbox: first.outbox }); // never started: its lease is not renewed
    const launched = await a.launch('mail', {}, request('job:1'));
    assert.ok(launched.ok);
    while (executions === 0) await clock.flush();

    // The first process is gone (as if killed); its lease lapses and another takes the run over.
    await clock.advance(31_000);
    const second = recordingOutbox();
    const b = runner({ wf, tools: [sendMail], outbox: second.outbox });
    await b.start();
    await b.idle();
    assert.equal(executions, 1, 'the mail is not sent a second time');
    assert.match(second.sent.at(-1)?.text ?? '', /may or may not have happened/);
    const run = await store.get('SELECT status, error FROM workflow_runs WHERE id = ?', [launched.runId]);
    assert.deepEqual({ ...run }, { status: 'failed', error: 'interrupted' });

    // The old process wakes up: its late write is fenced off by the lease.
    release();
    assert.deepEqual(await launched.end, { status: 'elsewhere' });
    const log = await events(launched.runId);
    assert.ok(!log.some((e) => e.includes('step_completed mail')), log.join('\n'));
    assert.deepEqual(
      log.map((e) => Number(e.split(' ')[0])),
      log.map((_e, i) => i + 1),
    );
    assert.ok(
      log.some((e) => e.endsWith('step_interrupted mail')),
      log.join('\n'),
    );
  });

  it('parallel branches and a condition pick the steps the outputs call for', async () => {
    const calls: string[] = [];
    const { sent, outbox } = recordingOutbox();
    const r = runner({
      llm: echoLlm(calls),
      outbox,
      wf: {
        name: 'branches',
        description: 'd',
        params: { topic: { type: 'string', required: true } },
        steps: [
          {
            id: 'both',
            type: 'parallel',
            branches: [
              [{ id: 'left', type: 'agent', agent: 'x', task: 'left {{params.topic}}' }],
              [{ id: 'right', type: 'agent', agent: 'x', task: 'right {{params.topic}}' }],
            ],
          },
          {
            id: 'check',
            type: 'condition',
            if: { value: '{{steps.both.output}}', contains: 'left cats' },
            steps: [{ id: 'yes', type: 'agent', agent: 'x', model: 'router', task: 'yes after {{steps.left.output}}' }],
            otherwise: [{ id: 'no', type: 'agent', agent: 'x', task: 'no' }],
          },
          { id: 'post', type: 'post', text: 'result: {{steps.check.output}}' },
        ],
      },
    });
    const launched = await r.launch('branches', { topic: 'cats' }, request('update:9'));
    assert.ok(launched.ok);
    assert.equal((await launched.end).status, 'done');
    assert.deepEqual([...calls].sort(), ['left cats', 'right cats', 'yes after said left cats']);
    assert.equal(sent.at(-1)?.text, 'result: said yes after said left cats');
  });

  it('a job retried with the same turn id runs the workflow once', async () => {
    const calls: string[] = [];
    const { sent, outbox } = recordingOutbox();
    const r = runner({
      llm: echoLlm(calls),
      outbox,
      wf: {
        name: 'once',
        description: 'd',
        steps: [
          { id: 'say', type: 'agent', agent: 'x', task: 'hello' },
          { id: 'post', type: 'post', text: '{{steps.say.output}}' },
        ],
      },
    });
    const resolved = await r.resolve({ userId: USER, chatId: USER, workflow: 'once', params: {} });
    assert.ok(resolved.ok);
    const bad = await r.resolve({ userId: USER, chatId: USER, workflow: 'once', params: { nope: '1' } });
    assert.deepEqual(bad, { ok: false, reason: 'Workflow "once": unknown parameter "nope".' });
    const [one, two] = await Promise.all([
      r.run(resolved.target, request('job:7:1')),
      r.run(resolved.target, request('job:7:1')),
    ]);
    assert.deepEqual(one, two);
    assert.ok(one.posted && one.messageId);
    const again = await r.run(resolved.target, request('job:7:1'));
    assert.deepEqual(again, one, 'a later retry finds the finished run');
    assert.equal(calls.length, 1);
    assert.equal(sent.length, 1);
  });

  it('a decision nobody makes times out: the fallback (deny) applies and the step never runs', async () => {
    let executions = 0;
    const tool = defineTool({
      name: 'risky',
      description: 'risky',
      input: z.object({}),
      execute: () => {
        executions++;
        return 'done';
      },
    });
    const asking: ToolGate = {
      check: async () => ({
        action: 'suspend',
        payload: { timeoutMs: 60_000, fallback: 'deny', summary: 's', reason: 'r' },
      }),
    };
    const { sent, outbox } = recordingOutbox();
    const r = runner({
      outbox,
      tools: [tool],
      gate: asking,
      wf: {
        name: 'ask',
        description: 'd',
        steps: [
          { id: 'act', type: 'tool', tool: 'risky', args: {} },
          { id: 'post', type: 'post', text: 'acted' },
        ],
      },
    });
    await r.start();
    const launched = await r.launch('ask', {}, request('update:5'));
    assert.ok(launched.ok);
    assert.deepEqual(await launched.end, { status: 'suspended' });
    assert.ok(sent.some((m) => m.keyboard?.[0]?.some((b) => 'data' in b && b.data.startsWith('wf:d:'))));
    await clock.advance(61_000);
    await r.idle();
    assert.equal(executions, 0);
    assert.match(sent.at(-1)?.text ?? '', /did not approve risky/);
    const decision = await store.get('SELECT status FROM workflow_decisions');
    assert.equal(decision?.status, 'expired');
  });
});
