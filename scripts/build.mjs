/**
 * Compiles src/ into dist/ with tsc (tsconfig.build.json), so production runs plain JavaScript: `node dist/main.js`.
 * Runs as npm `prepare`, which a root `npm ci` runs, so `npm ci && npm start` needs no other step.
 * Plain JavaScript on purpose: it must run before (and without) any TypeScript loader.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** The path of tsc's bin script, or undefined when typescript (a dev dependency) is not installed. */
function findTsc() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    return undefined;
  }
}

/** Sources under src/ whose compiled file in dist/ is missing or older (e.g. after a `git pull`). */
function staleSources(dir = join(root, 'src')) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return staleSources(path);
    if (!entry.name.endsWith('.ts')) return [];
    const out = join(dist, relative(join(root, 'src'), path)).replace(/\.ts$/, '.js');
    return existsSync(out) && statSync(out).mtimeMs >= statSync(path).mtimeMs ? [] : [path];
  });
}

const tsc = findTsc();
if (!tsc) {
  // `npm ci --omit=dev` also runs `prepare`. Without the compiler, a dist/ that matches src/ (or one copied in without
  // the sources) is kept; an old or missing one must not run silently in place of the new sources.
  const stale = staleSources();
  if (stale.length === 0 && existsSync(join(dist, 'main.js'))) {
    process.stdout.write('build: TypeScript is not installed (production-only install); dist/ is up to date.\n');
    process.exit(0);
  }
  process.stderr.write(
    `build: TypeScript is not installed (production-only install) and dist/ is ${existsSync(dist) ? 'older than src/' : 'missing'}, ` +
      'so `npm start` would not run the current code. Run `npm ci` (with dev dependencies) to build it; ' +
      '`npm prune --omit=dev` afterwards removes the build tools.\n',
  );
  process.exit(1);
}

// A clean output: a module deleted from src/ must not linger in dist/.
rmSync(dist, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.stderr.write('build: tsc failed; dist/ is incomplete. Fix the errors above and run `npm run build`.\n');
  rmSync(dist, { recursive: true, force: true });
  process.exit(result.status ?? 1);
}
