/** Issue 17, part 2: a bad workflow file gives one clear error listing every problem with its file and path. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { loadWorkflows } from '../../src/workflows/load.ts';
import { repoRoot } from '../support/child-bot.ts';

const refs = { agents: ['assistant'], hasTool: (name: string) => name === 'http_fetch' };

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wf-config-'));
  mkdirSync(join(dir, 'workflows'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'workflows', name), text);
  return dir;
}

test('the shipped workflows load', () => {
  const loaded = loadWorkflows(resolve(repoRoot, 'config'), refs);
  assert.ok(loaded.has('morning-briefing'));
});

test('bad workflow files: one ConfigError naming every problem with its file and path', () => {
  const dir = dirWith({
    'broken.json': '{ "name": "x", ',
    'bad.json': JSON.stringify({
      name: 'bad',
      description: 'd',
      params: { urls: { type: 'list' } },
      steps: [
        { id: 'fetch', type: 'tool', tool: 'send_rockets', args: { url: '{{params.nope}}' } },
        { id: 'sum', type: 'agent', agent: 'poet', task: '{{steps.missing.output}}' },
        { id: 'sum', type: 'forEach', items: '{{params.urls}}', steps: [{ id: 'x', type: 'wait' }] },
      ],
    }),
  });
  assert.throws(
    () => loadWorkflows(dir, refs),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.message;
      assert.match(text, /workflows\/broken\.json: not valid JSON/);
      assert.match(text, /workflows\/bad\.json: steps\.2\.steps\.0\.type/);
      return true;
    },
  );
  const semantic = dirWith({
    'bad.json': JSON.stringify({
      name: 'bad',
      description: 'd',
      params: { urls: { type: 'list' } },
      steps: [
        { id: 'fetch', type: 'tool', tool: 'send_rockets', args: { url: '{{params.nope}}' } },
        { id: 'sum', type: 'agent', agent: 'poet', task: '{{steps.missing.output}}' },
        { id: 'sum', type: 'agent', agent: 'assistant', task: 'x' },
      ],
    }),
  });
  assert.throws(
    () => loadWorkflows(semantic, refs),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const lines = err.issues.join('\n');
      assert.match(lines, /workflows\/bad\.json: steps\.0\.tool: unknown tool "send_rockets"/);
      assert.match(lines, /workflows\/bad\.json: steps\.0: \{\{params\.nope\}\} names no declared parameter/);
      assert.match(lines, /workflows\/bad\.json: steps\.1\.agent: unknown agent "poet"/);
      assert.match(lines, /steps\.1: \{\{steps\.missing\.output\}\}/);
      assert.match(lines, /steps\.2\.id: step id "sum" is used twice/);
      assert.match(lines, /workflows\/bad\.json: steps: the last step must be a "post" step/);
      return true;
    },
  );
});
