/**
 * The production entry point, `node dist/main.js` (scripts/build.mjs copies this file there): runs the bundle
 * (dist/app.cjs) with a V8 code cache.
 *
 * Why: compiling the ~1.7 MB bundle was the largest part of a cold start that is left after bundling. V8 can save the
 * bytecode of the functions a run compiled and reuse it, so later starts skip parsing and compiling them (the
 * measured difference is in docs/benchmarks.md, startup). Node 22's `module.enableCompileCache()` does the same, but
 * not on Node 20; `vm.Script` with `cachedData` works on both.
 *
 * Two caches sit next to the bundle, named after its content hash (V8 itself checks only the source's length, the V8
 * version and flags), so a rebuilt bundle never runs with an old cache:
 * - `app-<hash>.build.code-cache`: written by the build (`--build-code-cache`: the bundle's modules are loaded, the
 *   bot is not started), so even a first start and a read-only dist/ (a container image) have one;
 * - `app-<hash>.code-cache`: written a few seconds into a start (or at its exit, if sooner) when dist/ is writable;
 *   it also holds what starting the bot compiled, so later starts use it first. It is written again whenever V8
 *   rejects the cache it was given (another node version, other flags, a damaged file).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const BUNDLE_HASH = '__BUNDLE_HASH__';
const WRITE_AFTER_MS = 5000;

const bundleUrl = new URL('./app.cjs', import.meta.url);
const filename = fileURLToPath(bundleUrl);
const cachePath = (suffix) => fileURLToPath(new URL(`./app-${BUNDLE_HASH}${suffix}`, import.meta.url));
const startCache = cachePath('.code-cache');
const buildCache = cachePath('.build.code-cache');
const building = process.argv.includes('--build-code-cache');

/** The first cache file that can be read, start's before the build's. */
function readCache() {
  for (const file of building ? [] : [startCache, buildCache]) {
    try {
      return { file, data: readFileSync(file) };
    } catch {
      // missing or unreadable: try the next one
    }
  }
  return undefined;
}

/** Writes the script's current code cache to `file` atomically; false when it cannot (read-only or full disk). */
function writeCache(script, file) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

let cache = readCache();
// The CommonJS wrapper on the bundle's first line, so stack traces keep the bundle's line numbers.
const source = `(function (exports, require, module, __filename, __dirname, __bundleUrl, __bundleImport, __bundleLoadOnly) {${readFileSync(filename, 'utf8')}\n})`;
const script = new vm.Script(source, { filename, cachedData: cache?.data });
const refresh = !building && (cache?.file !== startCache || script.cachedDataRejected === true);
cache = undefined;
if (refresh) {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    writeCache(script, startCache);
  };
  // A real timer on purpose: this runs before (and outside) the app and its injected clock.
  setTimeout(write, WRITE_AFTER_MS).unref();
  process.once('exit', write);
}

const module = { exports: {} };
// The bundle's `import('pkg')` (see scripts/build.mjs), resolved from here (dist/) like the bundle's require().
const bundleImport = (specifier) => import(specifier);
script.runInThisContext()(
  module.exports,
  createRequire(bundleUrl),
  module,
  filename,
  dirname(filename),
  bundleUrl.href,
  bundleImport,
  building,
);
if (building) process.exitCode = writeCache(script, buildCache) ? 0 : 1;
