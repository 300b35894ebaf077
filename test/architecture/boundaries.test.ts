import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import {
  ALLOWED,
  checkCycles,
  checkLayers,
  EXCEPTIONS,
  type Exception,
  ruleCycle,
  unknownModules,
} from './boundaries.ts';
import { collectImports, type ImportEdge, parseImports } from './import-graph.ts';

// The module rules of docs/architecture.md, checked on every import of src/ (parsed with the TypeScript parser).
// The rules themselves live in ./boundaries.ts.

const ROOT = resolve(import.meta.dirname, '..', '..');
const { files, edges } = collectImports(ROOT, 'src');

function report(title: string, lines: readonly string[]): string {
  return `${title}:\n  ${lines.join('\n  ')}\n`;
}

test('every folder of src/ has a place in the module rules, and the rules form layers (no cycle)', () => {
  assert.deepEqual(unknownModules(files), [], 'add the new module to ALLOWED in test/architecture/boundaries.ts');
  assert.deepEqual(ruleCycle(), [], 'the allowed module dependencies must not form a cycle');
});

test('src/core imports only itself, node builtins, zod and pino; modules import only the modules below them', () => {
  assert.ok(files.length > 100, `src/ has its files (found ${files.length})`);
  assert.ok(edges.length > 500, `imports found (found ${edges.length})`);
  const { violations, usedExceptions } = checkLayers(edges);
  assert.deepEqual(violations, [], report('imports that break the module rules (docs/architecture.md)', violations));
  const stale = EXCEPTIONS.filter((e) => !usedExceptions.has(e) && files.includes(e.to)).map(
    (e) => `${e.from} → ${e.to}`,
  );
  assert.deepEqual(stale, [], report('exceptions no longer needed: remove them from EXCEPTIONS', stale));
});

test('no runtime import cycle between files of src/ (import type does not count)', () => {
  const cycles = checkCycles(files, edges);
  assert.deepEqual(cycles, [], report('runtime import cycles', cycles));
});

test('the table in docs/architecture.md ("Modules and dependencies") says what ALLOWED says', () => {
  const doc = readFileSync(resolve(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Modules and dependencies'), doc.indexOf('## Flows, file by file'));
  const documented: Record<string, string[]> = {};
  for (const [, module, deps] of section.matchAll(/^\| `src\/([a-z0-9-]+)` \| (.*) \|$/gm)) {
    documented[module!] = deps!
      .split(/[,;] */)
      .map((d) => d.trim())
      .filter((d) => d in ALLOWED)
      .sort();
  }
  const expected = Object.fromEntries(Object.entries(ALLOWED).map(([m, deps]) => [m, [...deps].sort()]));
  assert.deepEqual(documented, expected, 'update the table in docs/architecture.md together with ALLOWED');
});

// The checks themselves, on made-up imports: each rule catches what it should.

function edge(from: string, specifier: string, target: string | undefined, kind: ImportEdge['kind'] = 'runtime') {
  return { from, specifier, target, kind, line: 1 } satisfies ImportEdge;
}

test('the layer check catches core importing a feature or a package, a feature importing a higher one', () => {
  const bad = [
    edge('src/core/turn.ts', '../telegram/outbox.ts', 'src/telegram/outbox.ts', 'type'),
    edge('src/core/logger.ts', 'marked', undefined),
    edge('src/scheduler/jobs.ts', '../memory/facts.ts', 'src/memory/facts.ts'),
    edge('src/store/db.ts', '../../test/support/x.ts', 'test/support/x.ts'),
    edge('src/memory/x.ts', './missing.ts', undefined),
    edge('src/widgets/x.ts', '../core/clock.ts', 'src/core/clock.ts'),
  ];
  const { violations } = checkLayers(bad);
  assert.equal(violations.length, bad.length, violations.join('\n'));
  assert.match(
    violations[0]!,
    /src\/core\/turn\.ts:1 {2}import type '\.\.\/telegram\/outbox\.ts'.*may import no other/,
  );
  assert.match(violations[1]!, /src\/core imports only node builtins, zod, pino/);
  assert.match(violations[2]!, /src\/scheduler may import src\/core, src\/i18n, src\/store, src\/agents$/);
  assert.match(violations[3]!, /never imports files outside src/);
  assert.match(violations[4]!, /cannot be resolved/);
  assert.match(violations[5]!, /module src\/widgets is not in the module rules/);

  const good = [
    edge('src/core/logger.ts', 'pino', undefined),
    edge('src/core/scrub.ts', 'node:crypto', undefined),
    edge('src/core/x.ts', 'zod/v4', undefined),
    edge('src/telegram/features/jobs.ts', '../../scheduler/job.ts', 'src/scheduler/job.ts'),
    edge('src/app.ts', './telegram/outbox.ts', 'src/telegram/outbox.ts'),
    edge('src/telegram/bot.ts', 'grammy', undefined),
  ];
  assert.deepEqual(checkLayers(good).violations, []);
});

test('an exception allows one file-to-file import, and only as import type when it says so', () => {
  const exception: Exception = { from: 'src/core/a.ts', to: 'src/llm/types.ts', typeOnly: true, why: 'test' };
  const asType = edge('src/core/a.ts', '../llm/types.ts', 'src/llm/types.ts', 'type');
  const asValue = edge('src/core/a.ts', '../llm/types.ts', 'src/llm/types.ts', 'runtime');
  const other = edge('src/core/b.ts', '../llm/types.ts', 'src/llm/types.ts', 'type');
  const result = checkLayers([asType, asValue, other], ALLOWED, [exception]);
  assert.equal(result.usedExceptions.has(exception), true);
  assert.equal(result.violations.length, 2, result.violations.join('\n'));
  assert.match(result.violations[0]!, /src\/core\/a\.ts.*for `import type` only/);
  assert.match(result.violations[1]!, /src\/core\/b\.ts/);
});

test('the cycle check finds a runtime loop between files and ignores one closed by import type', () => {
  const three = ['src/a/x.ts', 'src/a/y.ts', 'src/b/z.ts'];
  const loop = [
    edge('src/a/x.ts', './y.ts', 'src/a/y.ts'),
    edge('src/a/y.ts', '../b/z.ts', 'src/b/z.ts'),
    edge('src/b/z.ts', '../a/x.ts', 'src/a/x.ts'),
  ];
  assert.deepEqual(checkCycles(three, loop), [
    'runtime import cycle: src/a/x.ts:1 → src/a/y.ts, src/a/y.ts:1 → src/b/z.ts, src/b/z.ts:1 → src/a/x.ts',
  ]);
  const typeClosed = [...loop.slice(0, 2), edge('src/b/z.ts', '../a/x.ts', 'src/a/x.ts', 'type')];
  assert.deepEqual(checkCycles(three, typeClosed), []);
  const dynamicClosed = [...loop.slice(0, 2), edge('src/b/z.ts', '../a/x.ts', 'src/a/x.ts', 'dynamic')];
  assert.deepEqual(checkCycles(three, dynamicClosed), []);
});

test('the rules must form layers: a cycle among allowed modules is reported', () => {
  assert.deepEqual(ruleCycle({ a: ['b'], b: ['c'], c: ['a'] }), ['a', 'b', 'c', 'a']);
  assert.deepEqual(ruleCycle({ a: ['b'], b: [] }), []);
});

test('the parser sees every form of import, and only `import type` is erased', () => {
  const text = [
    "import { a } from './a.ts';",
    "import type { B } from './b.ts';",
    "import { type C } from './c.ts';",
    "export { d } from './d.ts';",
    "export type { E } from './e.ts';",
    "import './f.ts';",
    "const g = await import('./g.ts');",
    "let h: import('./h.ts').H;",
    'import {',
    '  i,',
    "} from 'pkg';",
  ].join('\n');
  assert.deepEqual(
    parseImports('x.ts', text).map((r) => `${r.line} ${r.kind} ${r.specifier}`),
    [
      '1 runtime ./a.ts',
      '2 type ./b.ts',
      // verbatimModuleSyntax keeps `import {} from './c.ts'`: the module still loads.
      '3 runtime ./c.ts',
      '4 runtime ./d.ts',
      '5 type ./e.ts',
      '6 runtime ./f.ts',
      '7 dynamic ./g.ts',
      '8 type ./h.ts',
      '9 runtime pkg',
    ],
  );
});
