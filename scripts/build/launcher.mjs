/**
 * The production entry point, `node dist/main.js` (scripts/build.mjs copies this file there): runs the bundle
 * (dist/app.cjs) with a V8 code cache.
 *
 * Why: compiling the ~1.7 MB bundle was the largest part of a cold start that is left after bundling. V8 can save the
 * bytecode of every function a start compiled and reuse it, so later starts skip parsing and compiling it (the
 * measured difference is in docs/benchmarks.md, startup). Node 22's `module.enableCompileCache()` does the same, but
 * not on Node 20; `vm.Script` with `cachedData` works on both.
 *
 * The cache lives next to the bundle and is named after the bundle's content hash (V8 itself checks only the
 * source's length, the V8 version and flags): a rebuilt bundle never runs with an old cache. It is written once, a
 * few seconds into the first start (or at exit, if sooner), and again whenever V8 rejects it (another node version, other
 * flags, a damaged file). When dist/ is read-only (e.g. a container image), nothing is written and every start
 * compiles, as without a cache.
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
const cacheFile = fileURLToPath(new URL(`./app-${BUNDLE_HASH}.code-cache`, import.meta.url));

let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// The CommonJS wrapper on the bundle's first line, so stack traces keep the bundle's line numbers.
const source = `(function (exports, require, module, __filename, __dirname, __bundleUrl, __bundleImport) {${readFileSync(filename, 'utf8')}\n})`;
const script = new vm.Script(source, { filename, cachedData });

const stale = cachedData === undefined || script.cachedDataRejected === true;
cachedData = undefined;
if (stale) {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      // read-only or full disk: starts stay uncached
      rmSync(tmp, { force: true });
    }
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
);
