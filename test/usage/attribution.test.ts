/**
 * Attribution and the mid-turn budget stop, through the real Gemini adapter (real @google/genai against the fake
 * Gemini over HTTP), the real recorder and store, and the real budget wrapper around a stand-in inner runner that
 * calls the model the way the agent loop does (stream, with `accountTo`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ResumableTurnRunner, TurnOutcome, TurnRequest } from '../../src/core/turn.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import type { Llm } from '../../src/llm/types.ts';
import { createUsageRecorder } from '../../src/llm/usage.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createUsageAccounting } from '../../src/usage/accounting.ts';
import { createAttributionScope, llmForPurpose } from '../../src/usage/attribution.ts';
import { budgetGuardedLlm, createBudgetTurns } from '../../src/usage/budget-turns.ts';
import { createBudgets } from '../../src/usage/budgets.ts';
import { DEFAULT_PRICING } from '../../src/usage/pricing.ts';
import { createUsageStore } from '../../src/usage/usage-store.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const log = pino({ level: 'silent' });
const OWNER = 1;
const USER = 42;

let gemini: FakeGemini;
let db: TempDb;
let store: Store;

before(async () => {
  gemini = await createFakeGemini();
  db = tempDbUrl('attribution');
  store = await createStore({ url: db.url, migrations });
});
after(async () => {
  await store.close();
  await db.cleanup();
  await gemini.close();
});

function world() {
  const clock = createManualClock(Date.UTC(2026, 11, 3, 12));
  const scope = createAttributionScope();
  const usage = createUsageStore(store);
  const recorder = createUsageRecorder({ store, clock, log });
  const budgets = createBudgets({
    usage,
    clock,
    defaults: { dailyUsd: 0, monthlyUsd: 0 },
    timezoneOf: async () => 'UTC',
  });
  const adapter = createGeminiLlm({
    apiKey: gemini.apiKey,
    baseUrl: gemini.baseUrl,
    defaultTimeoutMs: 5000,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    clock,
    log,
    onUsage: createUsageAccounting({ scope, pricing: DEFAULT_PRICING, recorder, budgets, clock, log }),
  });
  const llm = budgetGuardedLlm(adapter, scope, budgets);
  const sent: string[] = [];
  const wrap = createBudgetTurns({
    scope,
    budgets,
    usage,
    outbox: {
      send: async (_to, m) => {
        sent.push(m.text);
        return { ok: true, messageIds: [1] };
      },
    },
    now: () => clock.now(),
    log,
    ownerId: async () => OWNER,
    nameOf: async (id) => `user ${id}`,
    localeOf: async () => 'en',
  });
  return { llm, memoryLlm: llmForPurpose(llm, scope, 'memory'), wrap, recorder, budgets, sent };
}

/** One model step as the agent loop makes it: streamed, accounted to `agent`. */
async function step(llm: Llm, agent: string, text: string): Promise<string> {
  let answer = '';
  for await (const chunk of llm.stream({
    model: 'gemini-2.5-flash-lite',
    contents: [{ role: 'user', parts: [{ text }] }],
    accountTo: { agent },
  }))
    if (chunk.type === 'done') answer = chunk.result.text;
  return answer;
}

function request(source: TurnRequest['source'], turnId: string): TurnRequest {
  return {
    turnId,
    userId: USER,
    chat: { chatId: USER, type: 'private' },
    text: 'hi',
    attachments: [],
    source,
    timezone: 'UTC',
  };
}

const done = (text: string): TurnOutcome => ({
  status: 'done',
  text,
  usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
});

describe('usage attribution', () => {
  it('a scheduled run is the job owner’s, and memory work its turn started in the background is theirs too', async () => {
    await store.run('DELETE FROM llm_calls');
    gemini.reset();
    gemini.setHandler(() => ({ text: 'fine', usage: { promptTokenCount: 100, candidatesTokenCount: 10 } }));
    const w = world();
    let background: Promise<unknown> | undefined;
    const inner: ResumableTurnRunner = {
      async run() {
        const text = await step(w.llm, 'planner', 'the daily digest');
        // Work the turn leaves behind, on a timer, after the turn returned (as memory's queue does).
        background = new Promise((resolve) => {
          // real timer: the point is a callback that runs after the turn
          setTimeout(
            () =>
              resolve(
                w.memoryLlm.generate({
                  model: 'gemini-2.5-flash-lite',
                  contents: [{ role: 'user', parts: [{ text: 'facts?' }] }],
                }),
              ),
            5,
          );
        });
        return done(text);
      },
      resume: async () => done(''),
    };
    const outcome = await w.wrap(inner).run(request('schedule', 'job:abc:1'));
    assert.equal(outcome.text, 'fine');
    await background;
    // A call outside any turn belongs to nobody.
    await w.llm.generate({ model: 'gemini-2.5-flash-lite', contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
    await w.recorder.flush();
    const rows = await store.query('SELECT user_id, agent, purpose, input_tokens, cost_usd FROM llm_calls ORDER BY id');
    assert.deepEqual(
      rows.map((r) => [r.user_id, r.agent, r.purpose, r.input_tokens]),
      [
        [USER, 'planner', 'scheduled', 100],
        [USER, 'memory', 'memory', 100],
        [null, null, 'other', 100],
      ],
    );
    // 100 × $0.10 + 10 × $0.40 per 1M.
    assert.ok(Math.abs(Number(rows[0]?.cost_usd) - 0.000014) < 1e-12, String(rows[0]?.cost_usd));
  });

  it('a turn that runs out of budget mid-way makes no further model call and ends with the budget message', async () => {
    await store.run('DELETE FROM llm_calls');
    gemini.reset();
    // 10 000 prompt tokens on flash-lite = $0.001 a step; the limit is $0.0015.
    gemini.setHandler(() => ({ text: 'step', usage: { promptTokenCount: 10_000, candidatesTokenCount: 0 } }));
    const w = world();
    await w.budgets.setLimit(USER, 'day', 0.0015);
    const inner: ResumableTurnRunner = {
      async run() {
        // Three steps (a router, a sub-agent, the router again): the third must not reach the model.
        for (const agent of ['router', 'assistant', 'router']) await step(w.llm, agent, 'go on');
        return done('all done');
      },
      resume: async () => done(''),
    };
    const outcome = await w.wrap(inner).run(request('telegram', 'update:1'));
    assert.equal(gemini.generateCalls().length, 2, 'the step after the budget ran out made no request');
    assert.equal(outcome.status, 'done');
    assert.match(outcome.text, /used up your daily budget \(\$0\.002 of \$0\.0015\)/);
    assert.equal(w.sent.length, 1, 'the owner is told once');
    assert.match(w.sent[0] ?? '', /user 42 has used up their daily budget/);

    // The next turn is refused before any model call; the owner is not told again.
    const next = await w.wrap(inner).run(request('telegram', 'update:2'));
    assert.match(next.text, /used up your daily budget/);
    assert.equal(gemini.generateCalls().length, 2);
    assert.equal(w.sent.length, 1);
  });
});
