/**
 * Issue 18 acceptance: /metrics on the bot's own HTTP server (polling mode), scraped after a turn, parses as the
 * Prometheus text format and has every series; the access rule (bearer token when METRICS_TOKEN is set, loopback
 * only when not).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isLoopback, metricsAccess } from '../../src/observability/metrics-access.ts';
import { CHAT_QUEUE_SERIES, createMetrics, deepestQueues } from '../../src/observability/metrics.ts';
import { ROUTER_MODEL, roleOf } from '../e2e/acceptance-support.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type PromSample, parsePrometheusText } from '../support/prom-text.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';

const USER = 7201;
const TOKEN = 'metrics-token-0123456789';

const SERIES = [
  'assistant_turns_total',
  'assistant_turn_duration_seconds',
  'assistant_model_calls_total',
  'assistant_model_tokens_total',
  'assistant_rate_limited_total',
  'assistant_retries_total',
  'assistant_queue_depth',
  'assistant_queue_chats',
  'assistant_chat_queue_depth',
  'assistant_job_lateness_seconds',
  'assistant_pending_approvals',
  'assistant_db_size_bytes',
];

async function scrape(port: number, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

const find = (samples: PromSample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('/metrics without METRICS_TOKEN', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let app: WholeApp;
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler((req) =>
      roleOf(req) === 'router' ? { text: 'Hi! How can I help?' } : { text: roleOf(req) ? '[]' : 'ok' },
    );
    app = await startWholeApp({ tg, gemini, allowedUserIds: [USER], env: { GEMINI_ROUTER_MODEL: ROUTER_MODEL } });
  });
  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
  });

  test('an idle app has not loaded prom-client; it is loaded on first use', () => {
    assert.equal(app.app.observability.metrics.loaded(), false);
  });

  test('after a turn, a loopback scrape parses as Prometheus text and has every series', async () => {
    tg.sendUserMessage({ chatId: USER, text: 'Hello there' });
    await tg.waitForBotMessage(USER, (m) => /How can I help/.test(m.text), { timeoutMs: 15_000 });
    let scraped = await scrape(app.port);
    // The turn is counted once its wrapper returns (just after the answer is handed over).
    for (let i = 0; i < 100 && !scraped.body.includes('assistant_turns_total{status="done"} 1'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      scraped = await scrape(app.port);
    }
    assert.equal(scraped.status, 200);
    assert.match(scraped.type, /^text\/plain; version=0\.0\.4/);
    const { samples, types } = parsePrometheusText(scraped.body);
    for (const name of SERIES) assert.ok(types.has(name), `series ${name} is exposed`);
    assert.equal(types.get('assistant_turn_duration_seconds'), 'histogram');
    assert.equal(types.get('assistant_queue_depth'), 'gauge');

    assert.equal(find(samples, 'assistant_turns_total', { status: 'done' })[0]?.value, 1);
    assert.equal(find(samples, 'assistant_turn_duration_seconds_count', { status: 'done' })[0]?.value, 1);
    const calls = find(samples, 'assistant_model_calls_total', { model: ROUTER_MODEL, agent: 'router' });
    assert.equal(calls[0]?.value, 1, 'one router call');
    const input = find(samples, 'assistant_model_tokens_total', {
      model: ROUTER_MODEL,
      agent: 'router',
      type: 'input',
    });
    assert.ok((input[0]?.value ?? 0) > 0, 'input tokens counted');
    for (const service of ['telegram', 'gemini']) {
      assert.equal(find(samples, 'assistant_rate_limited_total', { service }).length, 1);
      assert.equal(find(samples, 'assistant_retries_total', { service }).length, 1);
    }
    assert.equal(find(samples, 'assistant_pending_approvals')[0]?.value, 0);
    assert.ok((find(samples, 'assistant_db_size_bytes')[0]?.value ?? 0) > 4096, 'the database file has pages');
  });

  test('429s and retries of Telegram and Gemini are counted', async () => {
    const before = parsePrometheusText((await scrape(app.port)).body).samples;
    const value = (samples: PromSample[], name: string, service: string) =>
      find(samples, name, { service })[0]?.value ?? Number.NaN;
    gemini.failNext(1, { status: 429, message: 'Resource exhausted' });
    tg.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    tg.sendUserMessage({ chatId: USER, text: 'Hello again' });
    await tg.waitForBotMessage(USER, (m) => /How can I help/.test(m.text) && m.messageId > 2, { timeoutMs: 15_000 });
    const after = parsePrometheusText((await scrape(app.port)).body).samples;
    for (const [name, service] of [
      ['assistant_rate_limited_total', 'gemini'],
      ['assistant_retries_total', 'gemini'],
      ['assistant_rate_limited_total', 'telegram'],
    ] as const)
      assert.equal(value(after, name, service) - value(before, name, service), 1, `${name}{service="${service}"}`);
  });

  test('queue depth per chat while a turn runs and two more wait; no per-chat series once the queue is empty', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    gemini.setHandler(async (req) => {
      if (roleOf(req) !== 'router') return { text: roleOf(req) ? '[]' : 'ok' };
      if (/slow one/.test(req.lastUserText ?? '')) await gate;
      return { text: 'Hi! How can I help?' };
    });
    const chat = String(USER);
    try {
      for (const text of ['slow one', 'second', 'third']) tg.sendUserMessage({ chatId: USER, text });
      let samples: PromSample[] = [];
      for (let i = 0; i < 250; i++) {
        samples = parsePrometheusText((await scrape(app.port)).body).samples;
        if (find(samples, 'assistant_chat_queue_depth', { chat })[0]?.value === 3) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(find(samples, 'assistant_chat_queue_depth', { chat })[0]?.value, 3, 'one running, two waiting');
      assert.equal(find(samples, 'assistant_chat_queue_depth').length, 1, 'only the chat with a queue has a series');
      assert.equal(find(samples, 'assistant_queue_depth')[0]?.value, 3);
      assert.equal(find(samples, 'assistant_queue_chats')[0]?.value, 1);
    } finally {
      release();
    }
    await tg.waitFor(() => tg.botMessages(USER).filter((m) => /How can I help/.test(m.text)).length >= 5, {
      timeoutMs: 15_000,
      label: 'the three answers',
    });
    let samples: PromSample[] = [];
    for (let i = 0; i < 250; i++) {
      samples = parsePrometheusText((await scrape(app.port)).body).samples;
      if (find(samples, 'assistant_queue_depth')[0]?.value === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(find(samples, 'assistant_queue_depth')[0]?.value, 0);
    assert.deepEqual(find(samples, 'assistant_chat_queue_depth'), [], 'an empty queue has no series');
  });

  test('a POST is refused', async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/metrics`, { method: 'POST' });
    assert.equal(res.status, 405);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let app: WholeApp;
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    app = await startWholeApp({ tg, gemini, allowedUserIds: [USER], env: { METRICS_TOKEN: TOKEN } });
  });
  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
  });

  test('requires the bearer token, even from loopback', async () => {
    assert.equal((await scrape(app.port)).status, 401);
    assert.equal((await scrape(app.port, { authorization: `Bearer ${TOKEN}x` })).status, 401);
    assert.equal((await scrape(app.port, { authorization: TOKEN })).status, 401);
    const ok = await scrape(app.port, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.ok(parsePrometheusText(ok.body).types.has('assistant_turns_total'));
  });
});

test('without a token, only loopback clients are answered', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '128.0.0.1', undefined])
    assert.equal(isLoopback(a), false, String(a));
  assert.deepEqual(metricsAccess({ headers: {}, remoteAddress: '127.0.0.1' }), { ok: true });
  const remote = metricsAccess({ headers: { authorization: 'Bearer anything' }, remoteAddress: '10.0.0.5' });
  assert.equal(remote.ok, false);
  assert.equal(remote.ok === false && remote.status, 403);
  // With a token the address doesn't matter, the bearer does.
  assert.deepEqual(metricsAccess({ headers: { authorization: `Bearer ${TOKEN}` }, remoteAddress: '10.0.0.5' }, TOKEN), {
    ok: true,
  });
});

test(`per-chat queue series are bounded: only non-empty queues, the ${CHAT_QUEUE_SERIES} deepest`, async () => {
  const perChat = new Map<string, number>();
  for (let i = 0; i < 500; i++) perChat.set(String(-1000 - i), i === 123 ? 50 : i % 7);
  const metrics = createMetrics({ queue: () => ({ total: 9999, perChat }) });
  const { samples } = parsePrometheusText((await metrics.exposition()).body);
  const chats = find(samples, 'assistant_chat_queue_depth');
  assert.equal(chats.length, CHAT_QUEUE_SERIES);
  assert.deepEqual(chats.find((c) => c.value === 50)?.labels, { chat: '-1123' }, 'the deepest queue is shown');
  assert.ok(
    chats.every((c) => c.value >= 6),
    'only the deepest',
  );
  assert.equal(find(samples, 'assistant_queue_chats')[0]?.value, [...perChat.values()].filter((d) => d > 0).length);
  assert.deepEqual(deepestQueues(new Map([['a', 0]])), [], 'an empty queue has no series');
  assert.deepEqual(
    deepestQueues(
      new Map([
        ['b', 2],
        ['a', 2],
        ['c', 5],
      ]),
      2,
    ),
    [
      ['c', 5],
      ['a', 2],
    ],
    'deepest first; ties by key',
  );
});

test('events recorded before prom-client is loaded are kept', async () => {
  const metrics = createMetrics();
  metrics.turn('done', 0.3);
  metrics.count('telegram_429', undefined, 2);
  metrics.modelCall('m', 'router', 10, 3);
  const { samples } = parsePrometheusText((await metrics.exposition()).body);
  assert.equal(find(samples, 'assistant_turns_total', { status: 'done' })[0]?.value, 1);
  assert.equal(find(samples, 'assistant_rate_limited_total', { service: 'telegram' })[0]?.value, 2);
  assert.equal(
    find(samples, 'assistant_model_tokens_total', { model: 'm', agent: 'router', type: 'output' })[0]?.value,
    3,
  );
});

test('the text format reader rejects what Prometheus would', () => {
  assert.throws(() => parsePrometheusText('a_total 1\n'), /before its # TYPE/);
  assert.throws(() => parsePrometheusText('# TYPE a counter\na{x="1"} one\n'), /bad value/);
  assert.throws(() => parsePrometheusText('# TYPE a counter\na 1'), /end with a newline/);
  assert.throws(() => parsePrometheusText('# TYPE a counter\na{x=1} 1\n'), /not a sample/);
});
