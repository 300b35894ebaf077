import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeRunsOf } from '../../src/memory/stored-code.ts';
import { stripInline } from '../../src/memory/turn-messages.ts';
import type { Content } from '../../src/llm/types.ts';

describe('code kept with a stored answer', () => {
  it('reads the code runs back from stored contents (file bytes emptied, results paired with their code)', () => {
    const contents: Content[] = [
      { role: 'model', parts: [{ functionCall: { name: 'agent_analyst', args: { task: 'plot' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'agent_analyst', response: { result: 'done' } } }] },
      {
        role: 'model',
        parts: [
          { executableCode: { language: 'PYTHON', code: 'print(1/0)' } },
          { codeExecutionResult: { outcome: 'OUTCOME_FAILED', output: 'ZeroDivisionError' } },
          { executableCode: { language: 'PYTHON', code: 'plot()' } },
          { codeExecutionResult: { outcome: 'OUTCOME_OK' } },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { text: 'Here it is.' },
        ],
      },
    ];
    const stored = stripInline(contents);
    assert.ok(stored);
    assert.ok(!stored.includes('iVBORw0KGgo='), 'the file bytes are not stored');
    assert.deepEqual(codeRunsOf(stored), [
      { language: 'PYTHON', code: 'print(1/0)', outcome: 'OUTCOME_FAILED', output: 'ZeroDivisionError' },
      { language: 'PYTHON', code: 'plot()', outcome: 'OUTCOME_OK' },
    ]);
  });

  it('anything else is no code, never an error', () => {
    assert.deepEqual(codeRunsOf('not json'), []);
    assert.deepEqual(codeRunsOf('{"role":"model"}'), []);
    assert.deepEqual(codeRunsOf('[{"role":"model","parts":[{"executableCode":{"code":5}}]}]'), []);
    assert.deepEqual(codeRunsOf('[{"role":"user","parts":[{"executableCode":{"language":"PYTHON","code":"x"}}]}]'), []);
  });
});
