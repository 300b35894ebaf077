/**
 * The analyst path through the real Network and agent loop (real Gemini adapter → fake Gemini): a data file goes to
 * the router (which sees only a note about it), the analyst it delegates to gets the bytes and the codeExecution
 * tool; the code it ran and the files it drew come back on the result, failed runs included.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createAgent } from '../../src/agents/agent.ts';
import { createNetwork } from '../../src/agents/network.ts';
import { rosterSchema } from '../../src/config/roster.ts';
import type { Reply } from '../support/fake-gemini.ts';
import { type Harness, createHarness } from './harness.ts';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const CSV = Buffer.from('month,sales\nJan,10\nFeb,12\nMar,15\n').toString('base64');

describe('analyst: code execution through the Network', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());
  beforeEach(() => h.gemini.reset());

  function network() {
    const analyst = createAgent({
      name: 'analyst',
      description: 'Calculations, data files and charts',
      model: 'analyst-model',
      instructions: 'You are the analyst.',
      builtinTools: ['code_execution'],
      llm: h.llm,
    });
    const assistant = createAgent({
      name: 'assistant',
      description: 'Everything else',
      model: 'assistant-model',
      instructions: 'You are the assistant.',
      llm: h.llm,
    });
    return createNetwork({
      name: 'router',
      router: { model: 'router-model', instructions: 'Route.' },
      agents: [assistant, analyst],
      llm: h.llm,
    });
  }

  it('a CSV goes through the router to the analyst, who gets the file and the tool; code and chart come back', async () => {
    const plot: Reply = {
      codeExecution: [
        { code: "df = pd.read_csv('sales.csv')\ndf.plot()", output: '', files: [{ mimeType: 'image/png', data: PNG }] },
      ],
      text: 'Sales rise every month.',
    };
    h.gemini.enqueueFor(
      { model: 'router-model' },
      { functionCalls: [{ name: 'agent_analyst', args: { task: 'plot this' } }] },
    );
    h.gemini.enqueueFor({ model: 'analyst-model' }, plot);
    const r = await network().run(
      { history: [], text: 'plot this', attachments: [{ mimeType: 'text/csv', data: CSV, name: 'sales.csv' }] },
      h.ctx(),
    );
    assert.equal(r.text, 'Sales rise every month.');
    const [router, analyst] = h.gemini.generateCalls();
    assert.equal(router?.model, 'router-model', 'a data file is routed, not sent straight to the media agent');
    assert.match(router?.lastUserText ?? '', /\[Attached: sales\.csv \(text\/csv\)\]/);
    assert.ok(!JSON.stringify(router?.contents).includes(CSV), 'the router sees a note about the file, not its bytes');
    assert.equal(analyst?.model, 'analyst-model');
    assert.deepEqual(analyst?.body.tools, [{ codeExecution: {} }]);
    assert.deepEqual(analyst?.contents.at(-1)?.parts?.[1], { inlineData: { mimeType: 'text/csv', data: CSV } });
    assert.deepEqual(r.code?.runs, [
      { language: 'PYTHON', code: "df = pd.read_csv('sales.csv')\ndf.plot()", outcome: 'OUTCOME_OK' },
    ]);
    assert.deepEqual(r.code?.files, [{ name: 'result-1.png', mimeType: 'image/png', data: PNG.toString('base64') }]);
  });

  it('a failed run is kept with its error, next to the run that fixed it', async () => {
    h.gemini.enqueueFor(
      { model: 'router-model' },
      { functionCalls: [{ name: 'agent_analyst', args: { task: '17.5% of 2480' } }] },
    );
    h.gemini.enqueueFor(
      { model: 'analyst-model' },
      {
        codeExecution: [
          { code: 'print(2480 * 17.5 %)', outcome: 'OUTCOME_FAILED', output: 'SyntaxError: invalid syntax' },
          { code: 'print(2480 * 0.175)', outcome: 'OUTCOME_OK', output: '434.0\n' },
        ],
        text: '17.5% of 2480 is 434.',
      },
    );
    const r = await network().run({ history: [], text: 'what is 17.5% of 2480?' }, h.ctx());
    assert.equal(r.text, '17.5% of 2480 is 434.');
    assert.deepEqual(
      r.code?.runs.map((run) => [run.outcome, run.output]),
      [
        ['OUTCOME_FAILED', 'SyntaxError: invalid syntax'],
        ['OUTCOME_OK', '434.0\n'],
      ],
    );
    assert.deepEqual(r.code?.files, []);
  });

  it('a photo still goes straight to the media agent', async () => {
    h.gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `from ${req.model}` }));
    const r = await network().run(
      {
        history: [],
        text: 'what is it',
        attachments: [
          { mimeType: 'image/png', data: PNG.toString('base64'), name: 'a.png' },
          { mimeType: 'text/csv', data: CSV, name: 'sales.csv' },
        ],
      },
      h.ctx(),
    );
    assert.equal(r.text, 'from assistant-model');
  });

  it('the roster takes code_execution (builtin only) and keeps memory for it, not for web tools', () => {
    const parsed = rosterSchema.parse({
      router: { prompt: 'r.md' },
      agents: [
        { name: 'analyst', description: 'numbers and charts', prompt: 'a.md', builtinTools: ['code_execution'] },
        { name: 'web', description: 'web lookups here', prompt: 'w.md', builtinTools: ['google_search'] },
      ],
    });
    assert.deepEqual(
      parsed.agents.map((a) => [a.name, a.memory]),
      [
        ['analyst', true],
        ['web', false],
      ],
    );
    const mixed = rosterSchema.safeParse({
      router: { prompt: 'r.md' },
      agents: [
        {
          name: 'analyst',
          description: 'numbers and charts',
          prompt: 'a.md',
          builtinTools: ['code_execution'],
          tools: ['current_time'],
        },
      ],
    });
    assert.equal(mixed.success, false, 'code execution with function tools is refused, like search');
  });
});
