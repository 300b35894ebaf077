import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { listTsFiles } from './import-graph.ts';

// Every timer and every "now" goes through the injected Clock (src/core/clock.ts), so tests drive time with the
// manual clock. A real timer elsewhere needs a one-line reason: `// real timer: <why>` on its line or the line above.

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLOCK_FILE = 'src/core/clock.ts';
const PATTERN = /\bsetTimeout\(|\bsetInterval\(|\bDate\.now\(\)/g;
const REASON = /\/\/\s*real timer:\s*\S/;

/** Lines of `text` that call a real timer or read the real time without a reason comment, as `file:line  code`. */
export function unexplainedTimers(file: string, text: string): string[] {
  const lines = text.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    const code = codeOf(line);
    if (!PATTERN.test(code)) return;
    PATTERN.lastIndex = 0;
    if (REASON.test(line) || REASON.test(lines[i - 1] ?? '')) return;
    found.push(`${file}:${i + 1}  ${line.trim()}`);
  });
  PATTERN.lastIndex = 0;
  return found;
}

/** The line without a trailing `//` comment, and empty for comment lines (JSDoc, block comments). */
function codeOf(line: string): string {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*')) return '';
  const comment = line.indexOf('// ');
  return comment >= 0 ? line.slice(0, comment) : line;
}

test('setTimeout(, setInterval( and Date.now() appear in src/ only in src/core/clock.ts or with a `// real timer:` reason', {
  skip: 'enabled by the lead after the kernel merge',
}, () => {
  const found = listTsFiles(ROOT, 'src')
    .filter((file) => file !== CLOCK_FILE)
    .flatMap((file) => unexplainedTimers(file, readFileSync(resolve(ROOT, file), 'utf8')));
  assert.deepEqual(found, [], `use the Clock (src/core/clock.ts) or add a reason:\n  ${found.join('\n  ')}\n`);
});

test('the timer scan flags real timers and real time without a reason, and accepts a reason or a comment', () => {
  const text = [
    'const a = setTimeout(() => undefined, 10);',
    'const b = setInterval(tick, 1000);',
    'const c = Date.now() - started;',
    '// real timer: the process must exit even when the clock is faked',
    'const d = setTimeout(exit, 5000).unref();',
    'const e = Date.now(); // real timer: wall time for the log line',
    '/** Unlike Date.now(), the Clock can be driven by tests. */',
    '// setTimeout(fn) would not be cancelled here',
    'const f = clock.now(); // not Date.now()',
    'const g = mySetTimeout(fn);',
    'const h = setTimeout (fn, 1);',
  ].join('\n');
  assert.deepEqual(unexplainedTimers('x.ts', text), [
    'x.ts:1  const a = setTimeout(() => undefined, 10);',
    'x.ts:2  const b = setInterval(tick, 1000);',
    'x.ts:3  const c = Date.now() - started;',
  ]);
  // An empty reason is no reason.
  assert.equal(unexplainedTimers('y.ts', '// real timer:\nsetTimeout(fn, 1);').length, 1);
});
