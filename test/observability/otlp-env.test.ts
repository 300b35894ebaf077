/**
 * Issue 18 point 3: traces are off by default and turned on by the standard OTEL_* variables, exported over
 * OTLP/HTTP. A local collector receives the real exporter's requests from the whole app (real grammY, real
 * @google/genai against the fakes).
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { otlpTracesUrl, tracingEnabled } from '../../src/observability/tracing-env.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { startWholeApp } from '../support/whole-app.ts';

const USER = 7301;

test('traces are off unless an OTLP endpoint is set; OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none turn them off', () => {
  const endpoint = 'http://collector:4318';
  assert.equal(tracingEnabled({}), false);
  assert.equal(tracingEnabled({ OTEL_SERVICE_NAME: 'x' }), false);
  assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }), true);
  assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` }), true);
  assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }), false);
  assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' }), false);
  assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}/` }), `${endpoint}/v1/traces`);
  assert.equal(
    otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/x' }),
    'http://t:1/x',
    'the signal-specific endpoint is used as given',
  );
});

interface OtlpSpan {
  name: string;
}
interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

test('with OTEL_EXPORTER_OTLP_ENDPOINT, a turn reaches the collector over OTLP/HTTP (tracing is off without it)', async () => {
  const received: { path: string; type: string; body: OtlpRequest }[] = [];
  const collector: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        type: req.headers['content-type'] ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: 'Traced hello' }));
  try {
    const plain = await startWholeApp({ tg, gemini, allowedUserIds: [USER] });
    assert.equal(plain.app.observability.tracing, false, 'off by default');
    await plain.close();

    const app = await startWholeApp({
      tg,
      gemini,
      allowedUserIds: [USER],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'assistant-under-test' },
    });
    assert.equal(app.app.observability.tracing, true);
    tg.sendUserMessage({ chatId: USER, text: 'hello traces' });
    await tg.waitForBotMessage(USER, (m) => m.text.includes('Traced hello'), { timeoutMs: 15_000 });
    // Spans are batched; stopping the app flushes them.
    await app.close();
    assert.ok(received.length > 0, 'the collector got an export');
    assert.ok(received.every((r) => r.path === '/v1/traces' && /json/.test(r.type)));
    const spans = received.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)));
    const names = spans.map((s) => s.name);
    for (const name of ['telegram.update', 'turn', 'db.transaction', 'telegram.send'])
      assert.ok(names.includes(name), `${name} exported; got ${names.join(', ')}`);
    assert.ok(
      names.some((n) => n.startsWith('chat ')),
      'a model call span',
    );
    const service = received[0]?.body.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'service.name');
    assert.equal(service?.value.stringValue, 'assistant-under-test');
  } finally {
    await tg.close();
    await gemini.close();
    await new Promise((r) => collector.close(r));
  }
});

test('a collector that is down loses its spans but neither the answer nor a clean stop', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r));
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: 'Still here' }));
  try {
    const app = await startWholeApp({
      tg,
      gemini,
      allowedUserIds: [USER],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    });
    tg.sendUserMessage({ chatId: USER, text: 'hello' });
    await tg.waitForBotMessage(USER, (m) => m.text.includes('Still here'), { timeoutMs: 15_000 });
    await app.close();
  } finally {
    await tg.close();
    await gemini.close();
  }
});
