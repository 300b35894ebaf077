/**
 * Bundles src/ into dist/ with esbuild, so production runs plain JavaScript: `node dist/main.js`.
 * Runs as npm `prepare`, which a root `npm ci` runs, so `npm ci && npm start` needs no other step.
 * Plain JavaScript on purpose: it must run before (and without) any TypeScript loader.
 *
 * - dist/app.cjs: one minified bundle of our sources and of the packages every start loads. Why not one output file
 *   per source (tsc): a cold start spent most of its time resolving, reading and linking ~600 ES modules (see
 *   docs/benchmarks.md, startup). Packages only some work needs (the Gemini SDK, PDF, MCP, OpenTelemetry, …), native
 *   addons (libsql) and packages that find files next to themselves (pino's transports) stay external: node resolves
 *   them from node_modules as before, when the code that needs them first runs.
 * - dist/main.js: the launcher (scripts/build/launcher.mjs), which runs the bundle with a V8 code cache.
 * Type checking is `npm run typecheck` (part of `npm test`, and a step of the Docker build stage).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const entry = join(dist, 'main.js');

/** Packages every start loads: bundled. Every other package is resolved from node_modules at run time. */
const BUNDLED = new Set([
  'zod',
  'grammy',
  'node-fetch',
  'abort-controller',
  'event-target-shim',
  'debug',
  'ms',
  'marked',
  'dotenv',
  'croner',
  'node-cron',
]);

/**
 * Modules replaced in the bundle by the little of them we use:
 * - zod's locale index (every language's error messages, ~30% of zod): our messages are zod's English ones;
 * - whatwg-url (with tr46's Unicode tables), which grammY's node-fetch 2 loads only to fall back on when node has no
 *   global URL class; node always has one.
 */
const STUBS = [
  {
    filter: /^\.\.\/locales\/index\.js$/,
    importer: /[/\\]zod[/\\]v4[/\\]classic[/\\]/,
    contents: "export { default as en } from 'zod/v4/locales/en.js';",
    loader: 'js',
  },
  {
    filter: /^whatwg-url$/,
    importer: /[/\\]node-fetch[/\\]/,
    contents: "module.exports = { URL: require('node:url').URL };",
    loader: 'js',
  },
];

/** A dynamic import of a package (not of one of our modules, not in a type: `typeof import('pkg')`). */
const DYNAMIC_IMPORT = /(?<!typeof\s*)\bimport\((?=\s*['"][^./])/g;

/** The package name of a bare import specifier (`@scope/name/sub` → `@scope/name`). */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Newest modification time of the files the bundle is made from (sources, this script, the lockfile). */
function newestInput(dir = join(root, 'src')) {
  let newest = Math.max(
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
    statSync(join(root, 'package-lock.json')).mtimeMs,
  );
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  if (existsSync(dir)) walk(dir);
  return newest;
}

/** Whether dist/main.js exists and is newer than every input. */
function upToDate() {
  return existsSync(entry) && statSync(entry).mtimeMs >= newestInput();
}

/**
 * Loads the bundle once (without starting the bot) with the node flags of `npm start`, so the launcher saves a code
 * cache for the first start too (V8 accepts a cache only under the same flags). Failing here only costs start-up time.
 */
function buildCodeCache() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const words = String(pkg.scripts?.start ?? '')
    .trim()
    .split(/\s+/);
  const flags = words[0] === 'node' ? words.slice(1).filter((w) => w.startsWith('--')) : [];
  const run = spawnSync(process.execPath, [...flags, entry, '--build-code-cache'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) {
    process.stderr.write(
      `build: no code cache for the first start (${run.error?.message ?? run.stderr.trim().slice(-500)})\n`,
    );
  }
}

/** esbuild's API, or undefined when it (a dev dependency) is not installed. */
async function loadEsbuild() {
  try {
    const path = createRequire(import.meta.url).resolve('esbuild');
    return await import(path);
  } catch {
    return undefined;
  }
}

async function build() {
  const esbuild = await loadEsbuild();
  if (!esbuild) {
    // `npm ci --omit=dev` also runs `prepare`. Without the bundler, a dist/ that matches src/ (or one copied in without
    // the sources) is kept; an old or missing one must not run silently in place of the new sources.
    if (upToDate() || (!existsSync(join(root, 'src')) && existsSync(entry))) {
      process.stdout.write('build: esbuild is not installed (production-only install); dist/ is up to date.\n');
      return 0;
    }
    process.stderr.write(
      `build: esbuild is not installed (production-only install) and dist/ is ${existsSync(dist) ? 'older than src/' : 'missing'}, ` +
        'so `npm start` would not run the current code. Run `npm ci` (with dev dependencies) to build it; ' +
        '`npm prune --omit=dev` afterwards removes the build tools.\n',
    );
    return 1;
  }
  // A clean output: a chunk of an old build must not linger in dist/.
  rmSync(dist, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['src/main.ts'],
      outfile: 'dist/app.cjs',
      bundle: true,
      platform: 'node',
      // CommonJS, so the launcher (dist/main.js) can run it through vm.Script with a code cache.
      format: 'cjs',
      target: 'node20',
      // The launcher passes the bundle's URL (dist/app.cjs): `new URL('../package.json', import.meta.url)` still works.
      define: { 'import.meta.url': '__bundleUrl' },
      minify: true,
      // Error class and function names stay readable in logs and stacks.
      keepNames: true,
      sourcemap: 'linked',
      legalComments: 'linked',
      logLevel: 'warning',
      plugins: [
        {
          name: 'externals-and-stubs',
          setup(b) {
            // `import('pkg')` in our sources becomes `__bundleImport('pkg')`, a function the launcher passes in: the
            // packages loaded on demand include ES-only ones, and an import() inside code that V8 restored from a
            // code cache fails on Node 20 ("A dynamic import callback was not specified").
            b.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, (args) => ({
              contents: readFileSync(args.path, 'utf8').replace(DYNAMIC_IMPORT, '__bundleImport('),
              loader: 'ts',
            }));
            for (const stub of STUBS) {
              b.onResolve({ filter: stub.filter }, (args) =>
                stub.importer.test(args.importer)
                  ? { path: args.path, namespace: 'stub', pluginData: stub }
                  : undefined,
              );
            }
            b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({
              contents: args.pluginData.contents,
              loader: args.pluginData.loader,
              resolveDir: root,
            }));
            b.onResolve({ filter: /^[^./]/ }, (args) => {
              if (args.path.startsWith('node:')) return { external: true };
              return BUNDLED.has(packageOf(args.path)) ? undefined : { path: args.path, external: true };
            });
          },
        },
      ],
    });
    if (result.errors.length > 0) throw new Error(`${result.errors.length} errors`);
    const hash = createHash('sha256')
      .update(readFileSync(join(dist, 'app.cjs')))
      .digest('hex')
      .slice(0, 16);
    const launcher = readFileSync(join(root, 'scripts', 'build', 'launcher.mjs'), 'utf8');
    writeFileSync(entry, launcher.replace("'__BUNDLE_HASH__'", JSON.stringify(hash)));
    buildCodeCache();
  } catch (err) {
    process.stderr.write(
      `build: esbuild failed (${err instanceof Error ? err.message : String(err)}); dist/ is removed. Fix the errors above and run \`npm run build\`.\n`,
    );
    rmSync(dist, { recursive: true, force: true });
    return 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await build();
