import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findViolations, LIMITS, measureTree } from '../../scripts/size-report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test(`src/ keeps issue 13's size limits: files ≤ ${LIMITS.fileLines} lines, createX ≤ ${LIMITS.factoryLines}, other functions ≤ ${LIMITS.functionLines}`, () => {
  const found = findViolations(measureTree(ROOT, 'src')).map(
    (v) => `${v.file}:${v.line} ${v.rule}${v.name ? ` ${v.name}` : ''}: ${v.lines} lines (limit ${v.limit})`,
  );
  assert.deepEqual(found, [], `split by concept (see docs/architecture.md; npm run size):\n  ${found.join('\n  ')}\n`);
});
