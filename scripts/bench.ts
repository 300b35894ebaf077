import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './bench/row.ts';

/**
 * Runs every benchmark module in scripts/bench (or those named on the command line),
 * prints each target with its measured value and pass/fail, and writes docs/benchmarks.md and docs/benchmarks.json.
 */
const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'scripts', 'bench');
const only = process.argv.slice(2);
const modules = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'row.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

const rows: BenchRow[] = [];
const failures: string[] = [];
const started = Date.now();
for (const name of modules) {
  const t0 = Date.now();
  process.stdout.write(`\n== ${name}\n`);
  try {
    const mod = (await import(join(benchDir, `${name}.ts`))) as { run: () => Promise<BenchRow[]> };
    const result = await mod.run();
    for (const row of result) {
      rows.push(row);
      const verdict = row.pass === undefined ? '' : row.pass ? '  PASS' : '  FAIL';
      process.stdout.write(
        `  ${row.name}: ${formatValue(row.value)} ${row.unit}${row.target ? `  (target ${row.target})` : ''}${verdict}\n`,
      );
    }
  } catch (err) {
    failures.push(`${name}: ${(err as Error).stack ?? String(err)}`);
    process.stdout.write(`  ERROR ${(err as Error).message}\n`);
  }
  process.stdout.write(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  (globalThis as { gc?: () => void }).gc?.();
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
const lines = [
  '# Benchmarks',
  '',
  `Measured by \`npm run bench\` on ${date} (${machine}). Every figure is a median of repeated runs unless the name says otherwise;`,
  'ratios are measured in the same run. Regenerate with `npm run bench` (or `npm run bench -- <module>`).',
  '',
  '| Area | Measure | Value | Target | Result | Note |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.area} | ${r.name} | ${formatValue(r.value)} ${r.unit} | ${r.target ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'pass' : '**FAIL**'} | ${r.note ?? ''} |`,
  ),
  '',
];
if (failures.length > 0) lines.push('## Errors', '', ...failures.map((f) => `- ${f.split('\n')[0]}`), '');
if (only.length === 0) {
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'benchmarks.md'), lines.join('\n'));
  writeFileSync(
    join(root, 'docs', 'benchmarks.json'),
    `${JSON.stringify({ date, machine, rows, failures }, null, 2)}\n`,
  );
}
const failed = rows.filter((r) => r.pass === false).length;
process.stdout.write(
  `\n${rows.length} figures, ${failed} targets missed, ${failures.length} modules failed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
);
process.exit(failures.length > 0 ? 1 : 0);
