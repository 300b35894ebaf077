/**
 * The compiled entry point (`dist/`, built by `npm run build` / npm `prepare`) for tests and benchmarks that start
 * the bot the way `npm start` does, and a look at a child's process tree in /proc (Linux).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './child-bot.ts';

/** The words of package.json's `start` script after `node` (e.g. `['dist/main.js']`); throws if it is not `node …`. */
export function npmStartNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = pkg.scripts?.start ?? '';
  const [command, ...args] = start.trim().split(/\s+/);
  if (command !== 'node') throw new Error(`npm start is not a plain node command: ${JSON.stringify(start)}`);
  return args;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The inputs of the bundle (sources under src/, the build scripts, the lockfile) that are newer than dist/main.js; every
 * source when there is no bundle yet.
 */
export function staleOutputs(): string[] {
  const bundle = join(repoRoot, 'dist', 'main.js');
  const inputs = [
    ...sourceFiles(join(repoRoot, 'src')),
    join(repoRoot, 'scripts', 'build.mjs'),
    join(repoRoot, 'scripts', 'build', 'launcher.mjs'),
    join(repoRoot, 'package-lock.json'),
  ];
  if (!existsSync(bundle)) return inputs;
  const built = statSync(bundle).mtimeMs;
  return inputs.filter((file) => statSync(file).mtimeMs > built);
}

/** Runs `npm run build` (scripts/build.mjs) unless dist/ is up to date with src/ (e.g. fresh from `npm ci`). */
export function ensureBuilt(): { built: boolean } {
  if (staleOutputs().length === 0) return { built: false };
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 170_000,
  });
  if (result.status !== 0) {
    throw new Error(`the build failed (${String(result.status)}):\n${result.stdout}\n${result.stderr}`);
  }
  return { built: true };
}

/** The command line of a live process, as its argv words. */
export function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** Resident set size of a live process, in MB (VmRSS from /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Every live descendant of `pid` (children, grandchildren, …) with its argv, from /proc. */
export function descendants(pid: number): { pid: number; argv: string[] }[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: { pid: number; argv: string[] }[] = [];
  const queue = [...(parents.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    try {
      out.push({ pid: next, argv: cmdline(next) });
    } catch {
      continue;
    }
    queue.push(...(parents.get(next) ?? []));
  }
  return out;
}

/** CPU time (user + system) a live process has used so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat; fields[0] here is field 3 (state).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
