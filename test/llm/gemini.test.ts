import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { LlmError } from '../../src/core/errors.ts';
import { type LlmCallRecord, createGeminiLlm } from '../../src/llm/gemini.ts';
import type { StreamChunk } from '../../src/llm/types.ts';
import { type FakeGemini, cosineSimilarity, createFakeGemini } from '../support/fake-gemini.ts';
import { closeServer, listen } from '../support/http-util.ts';
import { createManualClock } from '../support/manual-clock.ts';

const log = pino({ level: 'silent' });
const user = (text: string) => [{ role: 'user' as const, parts: [{ text }] }];

describe('Gemini adapter (real @google/genai → fake Gemini over HTTP)', () => {
  let gemini: FakeGemini;
  before(async () => {
    gemini = await createFakeGemini();
  });
  after(() => gemini.close());
  beforeEach(() => gemini.reset());

  function make(extra: { clock?: ReturnType<typeof createManualClock>; apiKey?: string; maxAttempts?: number } = {}) {
    const records: LlmCallRecord[] = [];
    const clock = extra.clock ?? createManualClock();
    const llm = createGeminiLlm({
      apiKey: extra.apiKey ?? gemini.apiKey,
      baseUrl: gemini.baseUrl,
      defaultTimeoutMs: 5000,
      retry: { maxAttempts: extra.maxAttempts ?? 3, baseDelayMs: 100, maxDelayMs: 1000 },
      clock,
      log,
      onUsage: (r) => records.push(r),
      random: () => 0,
    });
    return { llm, records, clock };
  }

  it('generates text with system prompt and function tools declared via parametersJsonSchema, recording usage', async () => {
    const { llm, records } = make();
    gemini.enqueue({ text: 'Hi there!', usage: { promptTokenCount: 10, candidatesTokenCount: 5 } });
    const r = await llm.generate({
      model: 'gemini-2.5-flash',
      system: 'You are terse.',
      contents: user('Say hi'),
      tools: [
        {
          name: 'remember',
          description: 'Save a fact',
          parameters: { type: 'object', properties: { fact: { type: 'string' } } },
        },
      ],
      temperature: 0.2,
    });
    assert.equal(r.text, 'Hi there!');
    assert.deepEqual(r.usage, { inputTokens: 10, outputTokens: 5, totalTokens: 15 });
    const req = gemini.generateCalls()[0];
    assert.ok(req);
    assert.equal(req.apiVersion, 'v1beta');
    assert.equal(req.systemText, 'You are terse.');
    assert.deepEqual(req.toolNames, ['remember']);
    const decl = (req.body.tools as { functionDeclarations: Record<string, unknown>[] }[])[0]?.functionDeclarations[0];
    assert.deepEqual(decl?.parametersJsonSchema, { type: 'object', properties: { fact: { type: 'string' } } });
    assert.equal(records.length, 1);
    assert.equal(records[0]?.ok, true);
    assert.equal(records[0]?.kind, 'generate');
    assert.equal(records[0]?.usage.totalTokens, 15);
  });

  it('keeps thoughtSignature verbatim so the function-call turn round-trips (the fake rejects a dropped signature)', async () => {
    const { llm } = make();
    gemini.enqueue(
      { functionCalls: [{ name: 'remember', args: { fact: 'likes tea' } }], thoughtSignature: 'c2lnLTE=' },
      { text: 'Saved.' },
    );
    const first = await llm.generate({ model: 'm', contents: user('remember I like tea') });
    assert.equal(first.functionCalls[0]?.name, 'remember');
    assert.deepEqual(first.functionCalls[0]?.args, { fact: 'likes tea' });
    const part = first.content.parts[0] as { thoughtSignature?: string };
    assert.equal(part.thoughtSignature, 'c2lnLTE=');
    const call = first.functionCalls[0];
    assert.ok(call);
    const second = await llm.generate({
      model: 'm',
      contents: [
        ...user('remember I like tea'),
        first.content,
        { role: 'user', parts: [{ functionResponse: { id: call.id, name: call.name, response: { result: 'ok' } } }] },
      ],
    });
    assert.equal(second.text, 'Saved.');
    const sent = gemini.generateCalls()[1]?.contents[1]?.parts?.[0] as { thoughtSignature?: string } | undefined;
    assert.equal(sent?.thoughtSignature, 'c2lnLTE=');
  });

  it('streams text deltas, then done with the whole result and function calls assembled', async () => {
    const { llm, records } = make();
    gemini.enqueue({ chunks: ['Hel', 'lo, ', 'stream!'], functionCalls: [{ name: 'f', args: { a: 1 } }] });
    const chunks: StreamChunk[] = [];
    for await (const c of llm.stream({ model: 'm', contents: user('hi') })) chunks.push(c);
    assert.deepEqual(
      chunks.filter((c) => c.type === 'text-delta').map((c) => (c.type === 'text-delta' ? c.text : '')),
      ['Hel', 'lo, ', 'stream!'],
    );
    const done = chunks.at(-1);
    assert.equal(done?.type, 'done');
    if (done?.type !== 'done') return;
    assert.equal(done.result.text, 'Hello, stream!');
    assert.deepEqual(
      done.result.functionCalls.map((f) => f.name),
      ['f'],
    );
    // Adjacent text chunks merge into one part; the call part keeps its signature.
    assert.equal(done.result.content.parts.length, 2);
    assert.ok((done.result.content.parts[1] as { thoughtSignature?: string }).thoughtSignature);
    assert.equal(gemini.requests[0]?.kind, 'stream');
    assert.equal(records[0]?.kind, 'stream');
  });

  it('retries a 429 and honours Retry-After on the injected clock', async () => {
    const clock = createManualClock();
    const { llm, records } = make({ clock });
    gemini.failNext(1, { status: 429, retryAfterSeconds: 7 });
    gemini.enqueue({ text: 'after the wait' });
    const pending = llm.generate({ model: 'm', contents: user('hi') });
    await gemini.waitForRequests(1);
    const deadline = Date.now() + 3000;
    while (clock.pendingSleeps() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const wakeAt = clock.nextWakeAt();
    assert.ok(wakeAt !== undefined, 'the adapter sleeps on the injected clock');
    assert.equal(wakeAt - clock.now(), 7000, 'the delay is the Retry-After of the 429 (jitter is 0 here)');
    assert.equal(gemini.generateCalls().length, 1, 'no second attempt before the wait is over');
    await clock.advance(7000);
    const r = await pending;
    assert.equal(r.text, 'after the wait');
    assert.equal(gemini.generateCalls().length, 2);
    assert.equal(records[0]?.attempts, 2);
  });

  it('gives up after maxAttempts on 503 with llm_unavailable; maps 400 and a bad key without retrying', async () => {
    const clock = createManualClock();
    const { llm, records } = make({ clock, maxAttempts: 2 });
    gemini.failNext(5, { status: 503 });
    const p = llm.generate({ model: 'm', contents: user('hi') });
    const settled = p.then(
      () => undefined,
      (e: unknown) => e,
    );
    const deadline = Date.now() + 3000;
    while (clock.pendingSleeps() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(5000);
    const err = await settled;
    assert.ok(err instanceof LlmError && err.code === 'llm_unavailable' && err.status === 503, String(err));
    assert.equal(gemini.generateCalls().length, 2);
    assert.equal(records.at(-1)?.ok, false);

    gemini.reset();
    gemini.failNext(1, { status: 400, message: 'bad' });
    await assert.rejects(
      llm.generate({ model: 'm', contents: user('hi') }),
      (e: unknown) => e instanceof LlmError && e.code === 'llm_bad_request',
    );
    assert.equal(gemini.generateCalls().length, 1);

    const wrong = make({ apiKey: 'not-the-key' });
    await assert.rejects(
      wrong.llm.generate({ model: 'm', contents: user('hi') }),
      (e: unknown) => e instanceof LlmError && e.code === 'llm_auth' && !e.message.includes('not-the-key'),
    );
  });

  it('times out a hanging call with llm_timeout and does not retry it', async () => {
    const { llm } = make();
    gemini.enqueue({ text: 'late', hangMs: 3000 });
    const started = Date.now();
    await assert.rejects(
      llm.generate({ model: 'm', contents: user('hi'), timeoutMs: 150 }),
      (e: unknown) => e instanceof LlmError && e.code === 'llm_timeout',
    );
    assert.ok(Date.now() - started < 2000);
    assert.equal(gemini.generateCalls().length, 1);
  });

  it('a caller abort becomes llm_aborted', async () => {
    const { llm } = make();
    gemini.enqueue({ text: 'late', hangMs: 3000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(
      llm.generate({ model: 'm', contents: user('hi'), signal: ac.signal }),
      (e: unknown) => e instanceof LlmError && e.code === 'llm_aborted',
    );
  });

  it('maps grounding metadata (search sources and queries)', async () => {
    const { llm } = make();
    gemini.enqueue({
      text: 'It is sunny.',
      groundingMetadata: {
        webSearchQueries: ['weather berlin'],
        groundingChunks: [
          { web: { uri: 'https://weather.example/berlin', title: 'Weather' } },
          { web: { uri: 'https://weather.example/berlin' } },
        ],
      },
    });
    const r = await llm.generate({
      model: 'm',
      contents: user('weather?'),
      builtinTools: ['google_search', 'url_context'],
    });
    assert.deepEqual(r.grounding, {
      sources: [{ title: 'Weather', uri: 'https://weather.example/berlin' }],
      queries: ['weather berlin'],
    });
    assert.deepEqual(gemini.generateCalls()[0]?.body.tools, [{ googleSearch: {} }, { urlContext: {} }]);
  });

  it('embeds in batches of at most 100 with the task type and 768 dimensions by default', async () => {
    const { llm } = make();
    const texts = Array.from({ length: 150 }, (_, i) => `note number ${i} about tea`);
    texts[0] = 'green tea with honey';
    texts[1] = 'honey and green tea';
    texts[2] = 'quarterly tax deadline';
    const vectors = await llm.embed(texts, { task: 'RETRIEVAL_DOCUMENT' });
    assert.equal(vectors.length, 150);
    assert.equal(vectors[0]?.length, 768);
    const calls = gemini.embedCalls();
    assert.deepEqual(
      calls.map((c) => c.texts.length),
      [100, 50],
    );
    const first = ((calls[0]?.body.requests ?? []) as Record<string, unknown>[])[0];
    assert.equal(first?.taskType, 'RETRIEVAL_DOCUMENT');
    assert.equal(first?.outputDimensionality, 768);
    const sim = (a: number, b: number) => cosineSimilarity(Array.from(vectors[a] ?? []), Array.from(vectors[b] ?? []));
    assert.ok(sim(0, 1) > sim(0, 2));
    const small = await llm.embed(['x'], { task: 'RETRIEVAL_QUERY', dimensions: 8 });
    assert.equal(small[0]?.length, 8);
  });
});

describe('Gemini adapter stream failures (raw SSE server)', () => {
  let baseUrl: string;
  let hits = 0;
  let mode: 'cut-after-output' | 'reset-then-ok' | 'hold-open' = 'cut-after-output';
  let leftEarly: () => void = () => undefined;
  const server = createServer((req, res) => {
    req.resume();
    res.on('close', () => {
      if (!res.writableFinished) leftEarly();
    });
    req.on('end', () => {
      hits++;
      if (mode === 'reset-then-ok' && hits === 1) {
        res.socket?.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Partial ' }] } }] })}\r\n\r\n`,
      );
      if (mode === 'cut-after-output') setTimeout(() => res.socket?.destroy(), 30);
      else if (mode === 'hold-open')
        return; // more would follow; only the client can end it now
      else {
        res.write(
          `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'answer' }] }, finishReason: 'STOP' }] })}\r\n\r\n`,
        );
        res.end();
      }
    });
  });
  before(async () => {
    baseUrl = await listen(server);
  });
  after(() => closeServer(server));

  function make() {
    return createGeminiLlm({
      apiKey: 'k',
      baseUrl,
      defaultTimeoutMs: 5000,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      clock: { now: () => Date.now(), sleep: async () => {} },
      log,
    });
  }

  it('never retries once the stream produced output', async () => {
    hits = 0;
    mode = 'cut-after-output';
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of make().stream({ model: 'm', contents: user('hi') }))
          if (c.type === 'text-delta') seen.push(c.text);
      })(),
      (e: unknown) => e instanceof LlmError,
    );
    assert.deepEqual(seen, ['Partial ']);
    assert.equal(hits, 1, 'one request only');
  });

  it('retries a connection reset that happened before any output', async () => {
    hits = 0;
    mode = 'reset-then-ok';
    let text = '';
    for await (const c of make().stream({ model: 'm', contents: user('hi') }))
      if (c.type === 'done') text = c.result.text;
    assert.equal(text, 'Partial answer');
    assert.equal(hits, 2);
  });

  it('a stream the caller leaves early is cancelled: its connection is closed, not left waiting', async () => {
    hits = 0;
    mode = 'hold-open';
    const closed = new Promise<void>((resolve) => {
      leftEarly = resolve;
    });
    for await (const c of make().stream({ model: 'm', contents: user('hi') })) {
      assert.equal(c.type === 'text-delta' && c.text, 'Partial ');
      break;
    }
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 2000).unref());
    assert.equal(await Promise.race([closed.then(() => 'closed'), timeout]), 'closed');
  });
});
