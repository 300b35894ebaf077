/**
 * Issue 18 point 1: no TypeScript toolchain at runtime in production. `npm start` runs the JavaScript compiled into
 * dist/ by `npm ci` (npm `prepare`), with no tsx loader and no esbuild process, and the Docker runtime stage ships
 * neither.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { botEnv, repoRoot, startBot } from '../support/child-bot.ts';
import { cmdline, descendants, ensureBuilt, npmStartNodeArgs } from '../support/compiled.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const USER = 4343;
const TOOLCHAIN = /tsx|esbuild|typescript|strip-types|transform-types/i;
const V8_TUNING = ['--max-semi-space-size=2'];

test('e2e: npm start runs the compiled dist/main.js without tsx or esbuild and answers a message', {
  timeout: 240_000,
}, async () => {
  // Fresh from `npm ci` (prepare) this is a no-op; after source edits it rebuilds with `npm run build`'s script.
  ensureBuilt();
  const nodeArgs = npmStartNodeArgs();
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('e2e-compiled');
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `Compiled echo: ${req.lastUserText}` }));
  const bot = await startBot({
    env: botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: String(USER), PORT: '0' }),
    nodeArgs,
  });
  try {
    assert.equal(bot.hasExited(), false, bot.logs().slice(-20).join('\n'));
    const pid = bot.pid as number;
    const argv = cmdline(pid).slice(1);
    // V8 tuning flags only (--max-semi-space-size, see docs/benchmarks.md); never a loader or a type stripper.
    assert.deepEqual(
      argv.slice(0, -1).filter((a) => !V8_TUNING.includes(a)),
      [],
      `no node flags but V8 tuning (no --import loader): ${argv.join(' ')}`,
    );
    assert.match(argv.at(-1) as string, /^dist\/main\.js$/, 'node runs one script: the compiled entry');
    assert.doesNotMatch(argv.join(' '), TOOLCHAIN);

    tg.sendUserMessage({ chatId: USER, text: 'hello compiled bot' });
    await tg.waitForBotMessage(USER, (m) => m.text.includes('Compiled echo: hello compiled bot'), {
      timeoutMs: 20_000,
    });
    // After a whole turn (lazy imports included), the bot has started no transformer process.
    const children = descendants(pid).map((p) => p.argv.join(' '));
    assert.deepEqual(
      children.filter((c) => TOOLCHAIN.test(c)),
      [],
      `child processes: ${children.join('; ')}`,
    );
    const exit = await bot.kill('SIGTERM', 8000);
    assert.equal(exit.code, 0, bot.logs().slice(-20).join('\n'));
  } finally {
    if (!bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});

/** The launcher's code cache files in dist/ (named after the bundle's hash). */
const codeCaches = () =>
  readdirSync(join(repoRoot, 'dist'))
    .filter((f) => f.endsWith('.code-cache'))
    .map((f) => join(repoRoot, 'dist', f));

test('e2e: the build and the first start write V8 code caches; a damaged cache is rejected, rewritten, and the bot still answers', {
  timeout: 240_000,
}, async () => {
  ensureBuilt();
  const [build, ...extra] = codeCaches().filter((f) => f.endsWith('.build.code-cache'));
  assert.ok(build, 'the build saved a code cache for the first start');
  assert.deepEqual(extra, [], 'one build cache, for this bundle');
  const buildCache = readFileSync(build);
  for (const f of codeCaches()) rmSync(f);
  const nodeArgs = npmStartNodeArgs();
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('e2e-code-cache');
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `Cached echo: ${req.lastUserText}` }));
  const env = botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: String(USER), PORT: '0' });
  try {
    const first = await startBot({ env, nodeArgs, telegram: tg });
    assert.equal((await first.kill('SIGTERM', 8000)).code, 0, first.logs().slice(-20).join('\n'));
    const [cache, ...others] = codeCaches();
    assert.ok(cache, 'the first start wrote a code cache (at exit at the latest)');
    assert.deepEqual(others, [], 'one cache, for this bundle');
    const good = readFileSync(cache);
    assert.ok(good.length > 100_000, `the cache holds the compiled start-up code (${good.length} bytes)`);

    // A damaged (here: truncated and overwritten) cache must not break a start; V8 rejects it and it is rewritten.
    const damaged = Buffer.alloc(Math.floor(good.length / 2), 0x5a);
    writeFileSync(cache, damaged);
    const second = await startBot({ env, nodeArgs, telegram: tg });
    tg.sendUserMessage({ chatId: USER, text: 'hello after a damaged cache' });
    await tg.waitForBotMessage(USER, (m) => m.text.includes('Cached echo: hello after a damaged cache'), {
      timeoutMs: 20_000,
    });
    assert.equal((await second.kill('SIGTERM', 8000)).code, 0, second.logs().slice(-20).join('\n'));
    assert.notDeepEqual(
      readFileSync(cache).subarray(0, 64),
      damaged.subarray(0, 64),
      'the damaged cache was rewritten',
    );
  } finally {
    writeFileSync(build, buildCache); // as the build left it, for the next run
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});

test('production dependencies and the Docker runtime stage carry no TypeScript toolchain', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };
  assert.deepEqual(
    Object.keys(pkg.dependencies).filter((name) => TOOLCHAIN.test(name)),
    [],
    'no tsx/typescript/esbuild in dependencies',
  );
  assert.match(pkg.scripts.prepare ?? '', /scripts\/build\.mjs/, '`npm ci` builds dist/ through prepare');

  // `npm ci --omit=dev` skips what the lockfile marks dev-only.
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  for (const name of ['node_modules/tsx', 'node_modules/esbuild', 'node_modules/typescript']) {
    assert.equal(lock.packages[name]?.dev, true, `${name} is dev-only in package-lock.json`);
  }

  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const instructions = runtime
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  assert.doesNotMatch(instructions, /tsx|esbuild/, 'the runtime stage never installs or runs tsx');
  assert.doesNotMatch(instructions, /COPY[^\n]*\/src\b/, 'the runtime stage ships no TypeScript sources');
  assert.match(instructions, /COPY --from=build \/app\/dist \.\/dist/);
  // The image runs node itself (SIGTERM reaches the bot), with the same arguments as `npm start`.
  assert.ok(
    instructions.includes(`CMD ${JSON.stringify(['node', ...npmStartNodeArgs()]).replaceAll('","', '", "')}`),
    "the runtime CMD is npm start's node command",
  );
});
