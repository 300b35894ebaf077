import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { createNetwork } from '../../src/agents/network.ts';
import { createToolRegistry } from '../../src/agents/registry.ts';
import { createNetworkFromRoster } from '../../src/agents/roster.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { createBuiltinTools } from '../../src/agents/tools/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { rosterSchema } from '../../src/config/roster.ts';
import { ConfigError } from '../../src/core/errors.ts';
import type { Content } from '../../src/llm/types.ts';
import { type App, createApp } from '../../src/app.ts';
import { createIdGen, systemClock } from '../../src/core/clock.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { type Harness, createHarness, functionResponses, log } from './harness.ts';

const config = loadConfig(
  { TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', GEMINI_API_KEY: 'k', CONFIG_DIR: 'config' },
  { cwd: process.cwd() },
);
const MODELS = { default: 'agent-model', router: 'router-model' };

describe('Network from the default roster', () => {
  let h: Harness;
  let db: TempDb;
  let store: Store;
  let app: App;
  before(async () => {
    h = await createHarness();
    db = tempDbUrl('roster');
    store = await createStore({ url: db.url, migrations });
    // The application's real tool registry: every tool the default roster names (schedules, memory, ask_user…).
    app = createApp({ config, store, log, clock: systemClock, ids: createIdGen(), onFatal: () => undefined });
  });
  after(async () => {
    await app.stop();
    await store.close();
    await db.cleanup();
    await h.close();
  });
  beforeEach(() => h.gemini.reset());

  function network() {
    return createNetworkFromRoster({
      roster: config.roster,
      prompts: config.prompts,
      models: MODELS,
      llm: h.llm,
      registry: app.registry,
    });
  }

  const history: Content[] = [
    { role: 'user', parts: [{ text: 'My cat is called Miso.' }] },
    { role: 'model', parts: [{ text: 'Lovely name!' }] },
  ];

  it('answers "thanks" in the router with exactly one generate call, having seen the previous turns', async () => {
    h.gemini.enqueueFor({ model: 'router-model' }, { text: "You're welcome!" });
    const r = await network().run({ history, text: 'thanks' }, h.ctx());
    assert.equal(r.text, "You're welcome!");
    assert.equal(h.gemini.generateCalls().length, 1);
    const req = h.gemini.generateCalls()[0];
    assert.equal(req?.model, 'router-model');
    assert.deepEqual(req?.toolNames, [
      'current_time',
      'task_start',
      'skill_search',
      'skill_run',
      'skill_save',
      'agent_analyst',
      'agent_assistant',
      'agent_planner',
      'agent_researcher',
    ]);
    assert.equal(req?.contents[0]?.parts?.[0]?.text, 'My cat is called Miso.', 'router saw the history');
    assert.ok(req?.systemText.includes('routing layer'));
  });

  for (const [agent, prompt] of [
    ['assistant', 'helpful, warm and concise'],
    ['planner', 'reminders, scheduled tasks'],
    ['researcher', 'look things up on the web'],
  ] as const) {
    it(`delegates to ${agent} and returns its answer directly (two generate calls)`, async () => {
      h.gemini.enqueueFor(
        { model: 'router-model' },
        { functionCalls: [{ name: `agent_${agent}`, args: { task: `task for ${agent} about Miso` } }] },
      );
      h.gemini.enqueueFor({ model: 'agent-model', systemIncludes: prompt }, { chunks: [`${agent} `, 'answer'] });
      const r = await network().run({ history, text: 'do the thing' }, h.ctx());
      assert.equal(r.status, 'done');
      assert.equal(r.text, `${agent} answer`);
      const calls = h.gemini.generateCalls();
      assert.equal(calls.length, 2);
      assert.equal(calls[1]?.lastUserText, `task for ${agent} about Miso`);
      if (agent === 'researcher')
        assert.equal(calls[1]?.contents.length, 1, 'the researcher gets only its task (memory: false)');
      else
        assert.equal(
          calls[1]?.contents[0]?.parts?.[0]?.text,
          'My cat is called Miso.',
          'sub-agent gets recent history',
        );
      assert.ok(h.events.some((e) => e.type === 'routing' && e.from === 'router' && e.to === agent));
      assert.ok(h.events.some((e) => e.type === 'text-delta' && e.agent === agent));
      // The router-level contents are well-formed for the next turn: call, response, answer.
      assert.deepEqual(
        r.contents.map((c) => c.role),
        ['model', 'user', 'model'],
      );
      if (agent === 'researcher') {
        assert.deepEqual(calls[1]?.body.tools, [{ googleSearch: {} }, { urlContext: {} }]);
      } else {
        const expected = config.roster.agents.find((a) => a.name === agent)?.tools;
        assert.deepEqual(calls[1]?.toolNames, expected, 'the sub-agent is offered exactly its roster tools');
      }
    });
  }

  it("the user's facts, recalled messages and earlier turns reach the assistant but not the researcher (built-in web tools)", async () => {
    assert.equal(config.roster.agents.find((a) => a.name === 'researcher')?.memory, false);
    assert.equal(config.roster.agents.find((a) => a.name === 'assistant')?.memory, true);
    const systemContext =
      "## What you know about the user\n- User's cat is called Miso [personal]\n\n## Recalled from past conversations\n- [user]: my salary is 4200 a month";
    for (const agent of ['assistant', 'researcher'] as const) {
      h.gemini.enqueueFor(
        { model: 'router-model' },
        { functionCalls: [{ name: `agent_${agent}`, args: { task: 'find cat food prices' } }] },
      );
      h.gemini.enqueueFor({ model: 'agent-model' }, { text: `${agent} done` });
      await network().run({ history, text: 'find cat food prices', systemContext }, h.ctx());
    }
    const [routerA, assistant, routerR, researcher] = h.gemini.generateCalls();
    for (const router of [routerA, routerR])
      assert.match(router?.systemText ?? '', /Miso[\s\S]*4200/, 'the router has the memory');
    assert.match(
      assistant?.systemText ?? '',
      /User's cat is called Miso[\s\S]*salary is 4200/,
      'the assistant has the memory',
    );
    const seen = JSON.stringify(researcher?.body);
    for (const secret of ['Miso', '4200', 'What you know about the user', 'Recalled from past conversations'])
      assert.ok(!seen.includes(secret), `the researcher's request contains "${secret}"`);
    assert.equal(researcher?.lastUserText, 'find cat food prices', 'it still gets its task');
  });

  it('passes the researcher grounding through to the result', async () => {
    h.gemini.enqueueFor(
      { model: 'router-model' },
      { functionCalls: [{ name: 'agent_researcher', args: { task: 'price of tea' } }] },
    );
    h.gemini.enqueueFor(
      { model: 'agent-model' },
      {
        text: 'About 5 EUR [1].',
        groundingMetadata: {
          webSearchQueries: ['tea price'],
          groundingChunks: [{ web: { uri: 'https://tea.example', title: 'Tea' } }],
        },
      },
    );
    const r = await network().run({ history: [], text: 'how much is tea' }, h.ctx());
    assert.deepEqual(r.grounding, { sources: [{ title: 'Tea', uri: 'https://tea.example' }], queries: ['tea price'] });
  });

  it('sums usage of router and sub-agent, and the budget is shared across them', async () => {
    h.gemini.enqueueFor(
      { model: 'router-model' },
      {
        functionCalls: [{ name: 'agent_assistant', args: { task: 't' } }],
        usage: { promptTokenCount: 100, candidatesTokenCount: 10 },
      },
    );
    h.gemini.enqueueFor(
      { model: 'agent-model' },
      { text: 'ok', usage: { promptTokenCount: 50, candidatesTokenCount: 5 } },
    );
    const r = await network().run({ history: [], text: 'x' }, h.ctx());
    assert.deepEqual(r.usage, { inputTokens: 150, outputTokens: 15, totalTokens: 165 });

    h.gemini.reset();
    // The router alone spends the whole budget: the sub-agent must not call the model at all.
    h.gemini.enqueueFor(
      { model: 'router-model' },
      {
        functionCalls: [{ name: 'agent_assistant', args: { task: 't' } }],
        usage: { promptTokenCount: 1500, candidatesTokenCount: 10 },
      },
    );
    const limited = await network().run({ history: [], text: 'x' }, h.ctx({ limits: { turnTokenBudget: 1000 } }));
    assert.equal(limited.status, 'limit');
    assert.match(limited.text, /budget/);
    assert.equal(h.gemini.generateCalls().length, 1);
  });

  it('rejects a roster naming an unknown tool, and a new agent is a config edit', () => {
    const registry = createToolRegistry();
    registry.register(...createBuiltinTools());
    const roster = rosterSchema.parse({
      router: { prompt: 'r.md' },
      agents: [
        {
          name: 'chef',
          description: 'Cooking and recipes for the user',
          prompt: 'c.md',
          tools: ['current_time', 'oven_control'],
        },
      ],
    });
    assert.throws(
      () =>
        createNetworkFromRoster({
          roster,
          prompts: { 'r.md': 'route', 'c.md': 'cook' },
          models: MODELS,
          llm: h.llm,
          registry,
        }),
      (e: unknown) =>
        e instanceof ConfigError && e.issues.some((i) => i.includes('"oven_control"') && i.includes('agent "chef"')),
    );
    const ok = rosterSchema.parse({
      router: { prompt: 'r.md' },
      agents: [
        { name: 'chef', description: 'Cooking and recipes for the user', prompt: 'c.md', tools: ['current_time'] },
      ],
    });
    const net = createNetworkFromRoster({
      roster: ok,
      prompts: { 'r.md': 'route', 'c.md': 'cook' },
      models: MODELS,
      llm: h.llm,
      registry,
    });
    assert.equal(net.name, 'router');
  });
});

describe('Network behaviour', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());
  beforeEach(() => h.gemini.reset());

  const leaf = (name: string, llm: Harness['llm']) =>
    createAgent({
      name,
      description: `${name} does ${name} things`,
      model: `${name}-model`,
      instructions: `You are ${name}.`,
      llm,
    });

  it('nests: a Network can be an agent of another Network', async () => {
    const inner = createNetwork({
      name: 'office',
      description: 'Office work: documents and spreadsheets',
      router: { model: 'office-router', instructions: 'Route office work.' },
      agents: [leaf('docs', h.llm), leaf('sheets', h.llm)],
      llm: h.llm,
    });
    const outer = createNetwork({
      name: 'router',
      router: { model: 'top-router', instructions: 'Route.' },
      agents: [inner, leaf('chat', h.llm)],
      llm: h.llm,
    });
    h.gemini.enqueueFor(
      { model: 'top-router' },
      { functionCalls: [{ name: 'agent_office', args: { task: 'sum column B' } }] },
    );
    h.gemini.enqueueFor(
      { model: 'office-router' },
      { functionCalls: [{ name: 'agent_sheets', args: { task: 'sum column B' } }] },
    );
    h.gemini.enqueueFor({ model: 'sheets-model' }, { text: 'The sum is 42.' });
    const r = await outer.run({ history: [], text: 'sum column B please' }, h.ctx());
    assert.equal(r.text, 'The sum is 42.');
    assert.deepEqual(
      h.gemini.generateCalls().map((c) => c.model),
      ['top-router', 'office-router', 'sheets-model'],
    );
    assert.deepEqual(h.gemini.generateCalls()[0]?.toolNames, ['agent_chat', 'agent_office']);
    assert.deepEqual(
      h.events.filter((e) => e.type === 'routing').map((e) => (e.type === 'routing' ? `${e.from}->${e.to}` : '')),
      ['router->office', 'office->sheets'],
    );
  });

  it('combines parallel delegations with one more router call', async () => {
    const net = createNetwork({
      name: 'router',
      router: { model: 'r', instructions: 'Route.' },
      agents: [leaf('a', h.llm), leaf('b', h.llm)],
      llm: h.llm,
    });
    h.gemini.enqueueFor(
      { model: 'r' },
      {
        functionCalls: [
          { name: 'agent_a', args: { task: 'part 1' } },
          { name: 'agent_b', args: { task: 'part 2' } },
        ],
      },
      { text: 'A said 1, B said 2.' },
    );
    h.gemini.enqueueFor({ model: 'a-model' }, { text: 'one' });
    h.gemini.enqueueFor({ model: 'b-model' }, { text: 'two' });
    const r = await net.run({ history: [], text: 'both' }, h.ctx());
    assert.equal(r.text, 'A said 1, B said 2.');
    assert.equal(h.gemini.generateCalls().length, 4);
    assert.deepEqual(
      functionResponses(h.gemini.generateCalls()[3]?.contents ?? []).map((f) => f.response),
      [{ result: 'one' }, { result: 'two' }],
    );
  });

  it('a failing sub-agent becomes a tool error for the router, not a crash', async () => {
    const crashTool = defineTool({
      name: 'crash',
      description: 'x',
      input: z.object({}),
      execute: () => 'never',
    });
    const broken = createAgent({
      name: 'broken',
      description: 'Always breaks down',
      model: 'broken-model',
      instructions: 'x',
      tools: [crashTool],
      llm: h.llm,
    });
    const net = createNetwork({
      name: 'router',
      router: { model: 'r', instructions: 'Route.' },
      agents: [broken],
      llm: h.llm,
    });
    h.gemini.enqueueFor(
      { model: 'r' },
      { functionCalls: [{ name: 'agent_broken', args: { task: 'go' } }] },
      { text: 'That part failed, sorry — try again later.' },
    );
    h.gemini.enqueueFor({ model: 'broken-model' }, { error: { status: 400, message: 'bad request' } });
    const r = await net.run({ history: [], text: 'go' }, h.ctx());
    assert.equal(r.text, 'That part failed, sorry — try again later.');
    const fed = functionResponses(h.gemini.generateCalls()[2]?.contents ?? [])[0]?.response;
    assert.match(String(fed?.error), /The broken agent failed: Gemini rejected the request \(400\)/);
  });

  it('the router can call its own tools before delegating', async () => {
    const clockTool = defineTool({
      name: 'today',
      description: 'Today',
      input: z.object({}),
      execute: (_a, ctx) => ({ now: ctx.clock.now() }),
    });
    const net = createNetwork({
      name: 'router',
      router: { model: 'r', instructions: 'Route.', tools: [clockTool] },
      agents: [leaf('a', h.llm)],
      llm: h.llm,
    });
    h.gemini.enqueueFor({ model: 'r' }, { functionCalls: [{ name: 'today' }] }, { text: 'It is today.' });
    const r = await net.run({ history: [], text: 'what day' }, h.ctx());
    assert.equal(r.text, 'It is today.');
    assert.deepEqual(functionResponses(h.gemini.generateCalls()[1]?.contents ?? [])[0]?.response, {
      now: h.clock.now(),
    });
  });

  it('a turn with attachments goes straight to the media agent, which gets the bytes (the router never answers it)', async () => {
    const net = createNetwork({
      name: 'router',
      router: { model: 'r', instructions: 'Route.' },
      agents: [leaf('planner', h.llm), leaf('assistant', h.llm)],
      llm: h.llm,
    });
    h.gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `answer from ${req.model}` }));
    const r = await net.run(
      {
        history: [],
        text: 'what is this',
        attachments: [{ mimeType: 'image/jpeg', data: '/9j/4AAQ', name: 'photo.jpg' }],
      },
      h.ctx(),
    );
    assert.equal(r.text, 'answer from assistant-model');
    const calls = h.gemini.generateCalls();
    assert.deepEqual(
      calls.map((c) => c.model),
      ['assistant-model'],
      'one call, no router call',
    );
    assert.deepEqual(calls[0]?.contents.at(-1)?.parts?.[1], {
      inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' },
    });
    assert.ok(h.events.some((e) => e.type === 'routing' && e.from === 'router' && e.to === 'assistant'));

    h.gemini.clear();
    const plain = await net.run({ history: [], text: 'hello' }, h.ctx());
    assert.equal(plain.text, 'answer from r', 'turns without media still go to the router');
  });

  it('without an `assistant`, media goes to the configured media agent (or the first agent)', async () => {
    const net = createNetwork({
      name: 'router',
      router: { model: 'r', instructions: 'Route.' },
      agents: [leaf('eyes', h.llm), leaf('ears', h.llm)],
      llm: h.llm,
      mediaAgent: 'ears',
    });
    h.gemini.enqueueFor({ model: 'ears-model' }, { text: 'A bird song.' });
    const r = await net.run(
      { history: [], text: '', attachments: [{ mimeType: 'audio/ogg', data: 'T2dnUw==' }] },
      h.ctx(),
    );
    assert.equal(r.text, 'A bird song.');
    assert.deepEqual(
      h.gemini.generateCalls().map((c) => c.model),
      ['ears-model'],
    );
    const first = createNetwork({
      name: 'router',
      router: { model: 'r', instructions: 'Route.' },
      agents: [leaf('eyes', h.llm), leaf('ears', h.llm)],
      llm: h.llm,
    });
    h.gemini.enqueueFor({ model: 'eyes-model' }, { text: 'A cat.' });
    assert.equal(
      (
        await first.run(
          { history: [], text: 'see', attachments: [{ mimeType: 'image/png', data: 'iVBORw0KGgo=' }] },
          h.ctx(),
        )
      ).text,
      'A cat.',
    );
    assert.throws(
      () =>
        createNetwork({
          name: 'router',
          router: { model: 'r', instructions: 'Route.' },
          agents: [leaf('eyes', h.llm)],
          llm: h.llm,
          mediaAgent: 'nose',
        }),
      /media agent "nose"/,
    );
  });
});
