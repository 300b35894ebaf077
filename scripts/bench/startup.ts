/**
 * Start-up of the production entry point, the way `npm start` runs it (the compiled `node dist/main.js`, built by
 * `npm ci`'s `prepare`), against the fakes on an empty database:
 * - cold start: spawn → first getUpdates, for the compiled entry (the target) and, for comparison, the TypeScript
 *   sources through tsx (`node --import tsx src/main.ts`, how `npm start` ran before);
 * - idle RSS of the bot's node process under a real `npm start` (npm's own process excluded, shown in the note).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { botEnv, type ChildBot, repoRoot, startBot } from '../../test/support/child-bot.ts';
import { cmdline, cpuMs, descendants, ensureBuilt, npmStartNodeArgs, rssMb } from '../../test/support/compiled.ts';
import { createFakeGemini, type FakeGemini } from '../../test/support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram } from '../../test/support/fake-telegram.ts';
import { type TempDb, tempDbUrl } from '../../test/support/temp-db.ts';
import { type BenchRow, median } from './row.ts';

const AREA = 'startup';
const COLD_STARTS = 5;
const TSX_STARTS = 3;
const RSS_IDLE_MS = 10_000;
const COLD_TARGET_MS = 400;
const RSS_TARGET_MB = 80;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Starts the bot `runs + 1` times on fresh empty databases. The first start warms the file cache and, for the compiled
 * entry, writes the launcher's start-time V8 code cache (removed before: the first start has only the build's).
 */
async function coldStarts(
  tg: FakeTelegram,
  gemini: FakeGemini,
  dbs: TempDb[],
  runs: number,
  nodeArgs: string[] | undefined,
): Promise<{ times: number[]; cpu: number[]; first: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  let firstMs = Number.NaN;
  for (let i = 0; i <= runs; i++) {
    const db = tempDbUrl(`bench-startup-${i}`);
    dbs.push(db);
    const t0 = Date.now();
    const bot: ChildBot = await startBot({
      env: botEnv(tg, gemini, db.url, { PORT: '0', LOG_LEVEL: 'info' }),
      telegram: tg,
      ...(nodeArgs ? { nodeArgs } : {}),
    });
    try {
      const first = tg.calls.find((c) => c.method === 'getUpdates' && c.at >= t0);
      if (!first) throw new Error(`cold start ${i}: no getUpdates call seen\n${bot.logs().slice(-10).join('\n')}`);
      if (i === 0) firstMs = first.at - t0;
      if (i > 0) {
        times.push(first.at - t0);
        if (bot.pid !== undefined) cpu.push(cpuMs(bot.pid));
      }
    } finally {
      await bot.kill('SIGTERM', 5000);
    }
  }
  return { times, cpu, first: firstMs };
}

/** `npm start` in the repo root; resolves with npm's process and the bot's node process once it polls. */
async function npmStart(
  tg: FakeTelegram,
  env: Record<string, string>,
): Promise<{ npm: ChildProcess; botPid: number; npmPids: number[] }> {
  const t0 = Date.now();
  const npm = spawn('npm', ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  npm.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await tg.waitFor(() => tg.calls.some((c) => c.method === 'getUpdates' && c.at >= t0) || npm.exitCode !== null, {
    timeoutMs: 30_000,
    label: 'npm start polls',
  });
  if (npm.exitCode !== null || npm.pid === undefined) throw new Error(`npm start exited: ${stderr.slice(-2000)}`);
  const tree = descendants(npm.pid);
  // The node process running the entry (not a `sh -c "node dist/main.js"` in between).
  const bot = tree.find((p) => /(^|\/)node$/.test(p.argv[0] ?? '') && p.argv.some((a) => /main\.[jt]s$/.test(a)));
  if (!bot) throw new Error(`no bot process under npm start: ${JSON.stringify(tree)}`);
  const botTree = new Set([bot.pid, ...descendants(bot.pid).map((p) => p.pid)]);
  const npmPids = [npm.pid, ...tree.filter((p) => !botTree.has(p.pid)).map((p) => p.pid)];
  return { npm, botPid: bot.pid, npmPids };
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { built } = ensureBuilt();
  const nodeArgs = npmStartNodeArgs();
  const gemini = await createFakeGemini();
  const tg = await createFakeTelegram();
  const dbs: TempDb[] = [];
  try {
    for (const f of readdirSync(join(repoRoot, 'dist')))
      if (f.endsWith('.code-cache') && !f.endsWith('.build.code-cache')) rmSync(join(repoRoot, 'dist', f));
    const compiled = await coldStarts(tg, gemini, dbs, COLD_STARTS, nodeArgs);
    const cold = median(compiled.times);
    rows.push({
      area: AREA,
      name: 'cold start: spawn → first getUpdates (compiled, empty DB, migrations run)',
      value: Math.round(cold),
      unit: 'ms',
      target: `≤ ${COLD_TARGET_MS} ms`,
      pass: cold <= COLD_TARGET_MS,
      note: `median of ${compiled.times.length} starts (${compiled.times.join(', ')} ms; CPU used ${median(compiled.cpu)} ms) after one warm-up start, which wrote the code cache; node ${nodeArgs.join(' ')} (npm start)${built ? '; dist/ was rebuilt first' : ''}`,
    });
    rows.push({
      area: AREA,
      name: 'first start after a build (the build-time code cache only; the warm-up start above)',
      value: Math.round(compiled.first),
      unit: 'ms',
      note: 'one start; it also reads the files from disk for the first time',
    });
    const viaTsx = await coldStarts(tg, gemini, dbs, TSX_STARTS, undefined);
    rows.push({
      area: AREA,
      name: 'cold start through tsx, for comparison (node --import tsx src/main.ts)',
      value: Math.round(median(viaTsx.times)),
      unit: 'ms',
      note: `median of ${viaTsx.times.length} starts (${viaTsx.times.join(', ')} ms; CPU used ${median(viaTsx.cpu)} ms, esbuild child excluded) after one tsx-cache warm-up start; how npm start ran before`,
    });

    const db = tempDbUrl('bench-startup-rss');
    dbs.push(db);
    // npm needs PATH (and HOME for its cache); the bot gets nothing else of this process's environment.
    const env: Record<string, string> = {
      ...botEnv(tg, gemini, db.url, { PORT: '0', LOG_LEVEL: 'info' }),
      PATH: process.env.PATH ?? '',
    };
    if (process.env.HOME) env.HOME = process.env.HOME;
    const { npm, botPid, npmPids } = await npmStart(tg, env);
    try {
      await sleep(RSS_IDLE_MS);
      const idle = rssMb(botPid);
      const wrapper = npmPids.reduce((sum, pid) => sum + rssMb(pid), 0);
      rows.push({
        area: AREA,
        name: `idle RSS of the bot process under npm start, after ${RSS_IDLE_MS / 1000} s (empty DB)`,
        value: round1(idle),
        unit: 'MB',
        target: `≤ ${RSS_TARGET_MB} MB`,
        pass: idle <= RSS_TARGET_MB,
        note: `VmRSS from /proc of \`${cmdline(botPid).slice(1).join(' ')}\`; npm's own process(es) excluded: ${round1(wrapper)} MB`,
      });
    } finally {
      process.kill(botPid, 'SIGTERM');
      await new Promise((r) => (npm.exitCode !== null ? r(undefined) : npm.once('exit', r)));
    }
  } finally {
    await tg.close();
    await gemini.close();
    for (const db of dbs) await db.cleanup();
  }
  return rows;
}
