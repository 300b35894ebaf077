/**
 * Gemini's built-in code execution through the real @google/genai SDK against the fake Gemini (which answers with
 * the REST API's parts): the request enables `codeExecution`; `executableCode`, `codeExecutionResult` and the
 * `inlineData` file it drew are kept verbatim in the model turn (generate and stream) and go back unchanged in history.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import type { Content, GenerateResult, Llm } from '../../src/llm/types.ts';
import { type FakeGemini, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { createManualClock } from '../support/manual-clock.ts';

/** A 1×1 PNG, as Matplotlib's figure would come back (base64 in `inlineData.data`). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const user = (text: string): Content[] => [{ role: 'user', parts: [{ text }] }];

const PLOT: Reply = {
  preamble: 'Let me plot the data.',
  codeExecution: [
    {
      code: 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()',
      output: '',
      files: [{ mimeType: 'image/png', data: PNG }],
    },
  ],
  text: 'Here is the chart: sales rise every month.',
};

describe('Gemini adapter: code execution', () => {
  let gemini: FakeGemini;
  let llm: Llm;
  before(async () => {
    gemini = await createFakeGemini();
    llm = createGeminiLlm({
      apiKey: gemini.apiKey,
      baseUrl: gemini.baseUrl,
      defaultTimeoutMs: 5000,
      retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 20 },
      clock: createManualClock(),
      log: pino({ level: 'silent' }),
    });
  });
  after(() => gemini.close());
  beforeEach(() => gemini.reset());

  function assertCodeParts(result: GenerateResult): void {
    const parts = result.content.parts;
    assert.deepEqual(parts[0], { text: 'Let me plot the data.' });
    assert.deepEqual(parts[1], { executableCode: { language: 'PYTHON', code: PLOT.codeExecution?.[0]?.code } });
    assert.deepEqual(parts[2], { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '' } });
    assert.deepEqual(parts[3], { inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } });
    assert.deepEqual(parts[4], { text: 'Here is the chart: sales rise every month.' });
    assert.equal(result.text, 'Let me plot the data.\n\nHere is the chart: sales rise every month.');
    assert.deepEqual(result.functionCalls, []);
  }

  it('generate: sends the codeExecution tool and keeps code, result and the drawn file in the model turn', async () => {
    gemini.enqueue(PLOT);
    const r = await llm.generate({
      model: 'gemini-2.5-flash',
      contents: user('plot 1 2 3'),
      builtinTools: ['code_execution'],
    });
    assert.deepEqual(gemini.generateCalls()[0]?.body.tools, [{ codeExecution: {} }]);
    assertCodeParts(r);
  });

  it('stream: the same parts arrive as separate events; the text after the code starts a new paragraph', async () => {
    gemini.enqueue(PLOT);
    const deltas: string[] = [];
    let done: GenerateResult | undefined;
    for await (const chunk of llm.stream({
      model: 'gemini-2.5-flash',
      contents: user('plot 1 2 3'),
      builtinTools: ['code_execution'],
    })) {
      if (chunk.type === 'text-delta') deltas.push(chunk.text);
      else done = chunk.result;
    }
    assert.equal(gemini.generateCalls()[0]?.kind, 'stream');
    assert.deepEqual(gemini.generateCalls()[0]?.body.tools, [{ codeExecution: {} }]);
    assert.ok(done);
    assertCodeParts(done);
    assert.equal(deltas.join(''), done.text, 'the preview shows what the final answer says');
  });

  it('a failed run keeps its outcome and stderr; the model turn goes back in history as the API expects', async () => {
    gemini.enqueue({
      codeExecution: [
        { code: 'print(1/0)', outcome: 'OUTCOME_FAILED', output: 'ZeroDivisionError: division by zero' },
        { code: 'print(1/1)', outcome: 'OUTCOME_OK', output: '1.0\n' },
      ],
      text: 'The result is 1.',
    });
    const first = await llm.generate({
      model: 'gemini-2.5-flash',
      contents: user('1/x'),
      builtinTools: ['code_execution'],
    });
    assert.deepEqual(first.content.parts.slice(0, 4), [
      { executableCode: { language: 'PYTHON', code: 'print(1/0)' } },
      { codeExecutionResult: { outcome: 'OUTCOME_FAILED', output: 'ZeroDivisionError: division by zero' } },
      { executableCode: { language: 'PYTHON', code: 'print(1/1)' } },
      { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1.0\n' } },
    ]);
    gemini.enqueue({ text: 'Yes.' });
    const history = [...user('1/x'), first.content, ...user('sure?')];
    await llm.generate({ model: 'gemini-2.5-flash', contents: history, builtinTools: ['code_execution'] });
    assert.deepEqual(gemini.generateCalls()[1]?.contents[1], { role: 'model', parts: first.content.parts });
  });

  it('the fake refuses code parts in a reply to a request without the tool, and a bad outcome echoed back', async () => {
    gemini.enqueue(PLOT);
    await assert.rejects(llm.generate({ model: 'gemini-2.5-flash', contents: user('plot') }));
    const bad: Content = { role: 'model', parts: [{ codeExecutionResult: { outcome: 'OK' as 'OUTCOME_OK' } }] };
    await assert.rejects(
      llm.generate({ model: 'gemini-2.5-flash', contents: [...user('a'), bad, ...user('b')] }),
      /code_execution_result\.outcome/,
    );
  });
});
