/**
 * Issue 18 acceptance: with an in-memory span exporter, one delegated turn with a tool call, through the whole app
 * (real grammY against the fake Bot API, real @google/genai against the fake Gemini), shows its span tree
 * turn → router model call → agent_planner → planner model calls → schedule_list, with GenAI attributes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  delegate,
  dispatcher,
  lastFunctionResponses,
  roleOf,
} from '../e2e/acceptance-support.ts';
import { type FakeGemini, type RecordedRequest, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';

const USER = 7101;
let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;
const exporter = new InMemorySpanExporter();
const unmatched: RecordedRequest[] = [];

const rules: Rule[] = [
  (req) => (roleOf(req) === 'extraction' || roleOf(req) === 'summary' ? { text: '[]' } : undefined),
  delegate(/reminders do I have/i, 'planner'),
  (req) => {
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'planner') return undefined;
    const list = lastFunctionResponses(req).find((r) => r.name === 'schedule_list');
    if (!list) return { functionCalls: [{ name: 'schedule_list', args: {} }] };
    return { text: `You have ${String(list.response.count)} reminders scheduled right now.` };
  },
];

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  gemini.setHandler(dispatcher(rules, unmatched));
  app = await startWholeApp({
    tg,
    gemini,
    allowedUserIds: [USER],
    env: { GEMINI_ROUTER_MODEL: ROUTER_MODEL, GEMINI_MODEL: AGENT_MODEL },
    observability: { spanExporter: exporter },
  });
});

after(async () => {
  await app?.close();
  await tg?.close();
  await gemini?.close();
});

/** The tree below `root` as indented span names (children in start order). */
function tree(spans: ReadableSpan[], root: ReadableSpan, depth = 0, keep = (_s: ReadableSpan) => true): string[] {
  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId && keep(s))
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return [`${'  '.repeat(depth)}${root.name}`, ...children.flatMap((c) => tree(spans, c, depth + 1, keep))];
}

test('one delegated turn with a tool call shows its span tree with GenAI attributes', async () => {
  tg.sendUserMessage({ chatId: USER, text: 'What reminders do I have?' });
  await tg.waitForBotMessage(USER, (m) => /reminders scheduled/.test(m.text), { timeoutMs: 15_000 });
  // The update's span ends after the answer is handed over; wait for it to be exported.
  const deadline = Date.now() + 5000;
  const ended = () => {
    const spans = exporter.getFinishedSpans();
    const turn = spans.find((s) => s.name === 'turn');
    return spans.some((s) => s.spanContext().spanId === turn?.parentSpanContext?.spanId);
  };
  while (!ended() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(unmatched, [], 'every model request was scripted');

  const spans = exporter.getFinishedSpans();
  const turns = spans.filter((s) => s.name === 'turn');
  assert.equal(turns.length, 1, `one turn span; got ${spans.map((s) => s.name).join(', ')}`);
  const turn = turns[0] as ReadableSpan;
  const update = spans.find((s) => s.spanContext().spanId === turn.parentSpanContext?.spanId) as ReadableSpan;
  assert.equal(update?.name, 'telegram.update', 'the turn runs inside its update');
  assert.equal(update.parentSpanContext, undefined, 'the update is the root');
  const modelAndTools = (s: ReadableSpan) => s.name.startsWith('chat ') || s.name.startsWith('execute_tool ');
  assert.deepEqual(tree(spans, turn, 0, modelAndTools), [
    'turn',
    `  chat ${ROUTER_MODEL}`,
    '  execute_tool agent_planner',
    `    chat ${AGENT_MODEL}`,
    '    execute_tool schedule_list',
    `    chat ${AGENT_MODEL}`,
  ]);
  assert.equal(turn.attributes['turn.status'], 'done');

  const router = spans.find((s) => s.name === `chat ${ROUTER_MODEL}`) as ReadableSpan;
  assert.equal(router.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(router.attributes['gen_ai.provider.name'], 'gcp.gemini');
  assert.equal(router.attributes['gen_ai.system'], 'gcp.gemini');
  assert.equal(router.attributes['gen_ai.request.model'], ROUTER_MODEL);
  assert.equal(router.attributes['gen_ai.agent.name'], 'router');
  assert.equal(typeof router.attributes['gen_ai.usage.input_tokens'], 'number');
  assert.equal(typeof router.attributes['gen_ai.usage.output_tokens'], 'number');
  assert.deepEqual(router.attributes['gen_ai.response.finish_reasons'], ['STOP']);
  const planner = spans.filter((s) => s.name === `chat ${AGENT_MODEL}`);
  assert.ok(planner.every((s) => s.attributes['gen_ai.agent.name'] === 'planner'));
  const tool = spans.find((s) => s.name === 'execute_tool schedule_list') as ReadableSpan;
  assert.equal(tool.attributes['gen_ai.operation.name'], 'execute_tool');
  assert.equal(tool.attributes['gen_ai.tool.name'], 'schedule_list');
  assert.equal(tool.attributes['gen_ai.agent.name'], 'planner');
  const delegation = spans.find((s) => s.name === 'execute_tool agent_planner') as ReadableSpan;
  assert.equal(delegation.attributes['gen_ai.agent.name'], 'router');

  // The turn's database transactions, and the Telegram send of its answer (in the same update, after the turn).
  const inTurn = tree(spans, turn);
  assert.ok(inTurn.includes('  db.transaction'), inTurn.join('\n'));
  const inUpdate = tree(spans, update);
  assert.ok(inUpdate.includes('  telegram.send'), inUpdate.join('\n'));
  // No message text in any attribute.
  for (const s of spans)
    for (const v of Object.values(s.attributes)) assert.doesNotMatch(String(v), /reminders/i, `${s.name} leaks text`);
});
