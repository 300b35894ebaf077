import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  countLines,
  type FileSize,
  findViolations,
  formatReport,
  type Limits,
  measureSource,
  moduleTable,
} from '../../scripts/size-report.ts';

// A small fixture, not src/ (which other work changes). Line numbers matter: the expectations below count them.
const FIXTURE = `/** Builds a widget. */
export function createWidget(deps: { n: number }) {
  const inner = (x: number) => {
    return x + deps.n;
  };
  function helper() {
    return inner(1);
  }
  return { helper, run: function named() { return 2; } };
}

export function overloaded(a: string): string;
export function overloaded(a: number): number;
export function overloaded(a: unknown) {
  return a;
}

export class Box {
  constructor(private readonly v: number) {}
  get value() {
    return this.v;
  }
  twice() {
    return this.v * 2;
  }
}

const table = {
  short() {
    return 1;
  },
};
[1, 2].map((n) => n * table.short());
`;

const LIMITS: Limits = { fileLines: 30, factoryLines: 8, functionLines: 2 };

function byName(file: FileSize, name: string) {
  const fn = file.functions.find((f) => f.name === name);
  assert.ok(fn, `${name} measured (found: ${file.functions.map((f) => f.name).join(', ')})`);
  return fn;
}

test('countLines counts lines like wc -l, plus an unterminated last line', () => {
  assert.equal(countLines(''), 0);
  assert.equal(countLines('a'), 1);
  assert.equal(countLines('a\n'), 1);
  assert.equal(countLines('a\nb'), 2);
  assert.equal(countLines('a\n\nb\n'), 3);
  assert.equal(countLines(FIXTURE), 33);
});

test('every kind of function is measured from its first line to its last, nested ones on their own', () => {
  const file = measureSource('src/widgets/widget.ts', FIXTURE, 'widgets');
  assert.equal(file.lines, 33);
  assert.equal(file.module, 'widgets');
  const names = file.functions.map((f) => `${f.kind} ${f.name} ${f.line}-${f.endLine}`);
  assert.deepEqual(names, [
    'function createWidget 2-10',
    'arrow inner 3-5',
    'function helper 6-8',
    'expression named 9-9',
    // The two overload signatures have no body and are not functions; the implementation is.
    'function overloaded 14-16',
    'constructor Box.constructor 19-19',
    'accessor Box.value 20-22',
    'method Box.twice 23-25',
    'method short 29-31',
    'arrow (callback to [1,2].map) 33-33',
  ]);
  // The leading JSDoc is not part of the function; the factory includes its nested functions.
  assert.equal(byName(file, 'createWidget').lines, 9);
  assert.equal(byName(file, 'createWidget').factory, true);
  assert.equal(byName(file, 'helper').factory, false);
});

test('violations: files over the file limit, createX over the factory limit, other functions over the function limit', () => {
  const file = measureSource('src/widgets/widget.ts', FIXTURE, 'widgets');
  const violations = findViolations([file], LIMITS);
  assert.deepEqual(
    violations.map((v) => `${v.rule} ${v.name ?? '-'} ${v.lines}/${v.limit}`),
    [
      'file - 33/30',
      'factory createWidget 9/8',
      'function inner 3/2',
      'function helper 3/2',
      'function overloaded 3/2',
      'function Box.value 3/2',
      'function Box.twice 3/2',
      'function short 3/2',
    ],
  );
  // A factory is judged by the factory limit only: 9 lines is under a factory limit of 10.
  const roomier = findViolations([file], { ...LIMITS, factoryLines: 10 });
  assert.equal(
    roomier.some((v) => v.name === 'createWidget'),
    false,
  );
  assert.deepEqual(findViolations([file], { fileLines: 33, factoryLines: 9, functionLines: 3 }), []);
});

test('the report has one row per module with file counts and line totals, then the violations', () => {
  const a = measureSource('src/widgets/widget.ts', FIXTURE, 'widgets');
  const b = measureSource('src/widgets/tiny.ts', 'export const x = 1;\n', 'widgets');
  const c = measureSource('src/app.ts', 'export function main() {\n  return 1;\n}\n', '(root)');
  const violations = findViolations([a, b, c], LIMITS);
  const rows = moduleTable([a, b, c], violations);
  assert.deepEqual(
    rows.map((r) => [r.module, r.files, r.lines, r.largestFile, r.violations]),
    [
      ['(root)', 1, 3, 'src/app.ts', 1],
      ['widgets', 2, 34, 'src/widgets/widget.ts', 8],
    ],
  );
  const text = formatReport([a, b, c], violations, LIMITS);
  assert.match(text, /^\(root\)\s+1\s+3\s+/m);
  assert.match(text, /^widgets\s+2\s+34\s+/m);
  assert.match(text, /^total\s+3\s+37\s+/m);
  assert.match(text, /9 violations/);
  assert.match(text, /src\/widgets\/widget\.ts:2 {2}factory createWidget: 9 lines \(limit 8\)/);
});

test('npm run size -- --check --json exits 1 on a violation and prints the report as JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'size-report-'));
  try {
    mkdirSync(join(dir, 'big'));
    const longFunction = `export function long() {\n${'  void 0;\n'.repeat(85)}}\n`;
    writeFileSync(join(dir, 'big', 'long.ts'), longFunction);
    writeFileSync(join(dir, 'main.ts'), 'export const ok = 1;\n');
    const script = join(import.meta.dirname, '..', '..', 'scripts', 'size-report.ts');
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--check', '--json', dir]);
    const failure = await run.then(
      () => assert.fail('--check must exit 1 when a function is over 80 lines'),
      (err: { code: number; stdout: string }) => err,
    );
    assert.equal(failure.code, 1);
    const report = JSON.parse(failure.stdout) as { modules: { module: string }[]; violations: { name?: string }[] };
    assert.deepEqual(
      report.modules.map((m) => m.module),
      ['(root)', 'big'],
    );
    assert.deepEqual(
      report.violations.map((v) => v.name),
      ['long'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
