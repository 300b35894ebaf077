import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';

// docs/architecture.md names files (the flows list one file per step): a renamed or split file must be renamed there.

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Every `src/….ts` path written in a text (in backticks or not), once each. */
export function srcPathsIn(text: string): string[] {
  return [...new Set(text.match(/\bsrc\/[A-Za-z0-9_./-]+\.ts\b/g) ?? [])];
}

test('every src/ file named in docs/architecture.md exists', () => {
  const doc = readFileSync(resolve(ROOT, 'docs', 'architecture.md'), 'utf8');
  const named = srcPathsIn(doc);
  assert.ok(named.length > 30, `the flows name their files (found ${named.length})`);
  const missing = named.filter((p) => !existsSync(resolve(ROOT, p)));
  assert.deepEqual(missing, [], 'rename these in docs/architecture.md (or name the file that now does the step)');
});

test('the path scan finds src/ paths in prose, lists and backticks', () => {
  const text = '1. `src/a/b.ts`: text (`local.ts`) and src/c.ts, again `src/a/b.ts`; not src/x.tsx or test/y.ts';
  assert.deepEqual(srcPathsIn(text), ['src/a/b.ts', 'src/c.ts']);
});
