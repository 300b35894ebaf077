/**
 * Issue 18 point 1 (idle RSS): an idle bot does not load what only some work needs. The real entry point runs as a
 * child process with a module-resolution recorder; once it polls Telegram, none of the heavy vendors is loaded (the
 * Gemini SDK, prom-client, the remote-database client, OpenTelemetry, the document, web-page, MCP and chart
 * libraries). The first message loads the Gemini SDK and prom-client and is answered as before.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const USER = 4646;
const LAZY = [
  '@google/genai',
  'google-auth-library',
  'prom-client',
  '@libsql/client',
  '@opentelemetry/',
  'pdfjs-dist',
  'mammoth',
  'linkedom',
  '@mozilla/readability',
  '@modelcontextprotocol/sdk',
  '@resvg/resvg-js',
];

// Registered with module.register: appends every resolved module URL to IMPORT_LOG (it runs in the loader thread).
const RECORDER = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.IMPORT_LOG, resolved.url + '\\\\n');
  return resolved;
}\`));`;

/** The packages under node_modules the bot has resolved so far. */
function loadedPackages(log: string): Set<string> {
  const out = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

const lazyLoaded = (packages: Set<string>) => [...packages].filter((p) => LAZY.some((l) => p.startsWith(l)));

test('e2e: an idle bot loads none of the heavy vendors; the first message loads the Gemini SDK and prom-client', {
  timeout: 180_000,
}, async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('e2e-idle-imports');
  const log = join(tmpdir(), `idle-imports-${process.pid}-${Date.now()}.log`);
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `Lazy echo: ${req.lastUserText}` }));
  const bot = await startBot({
    env: { ...botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: String(USER), PORT: '0' }), IMPORT_LOG: log },
    nodeArgs: [
      '--import',
      import.meta.resolve('tsx'),
      '--import',
      `data:text/javascript,${encodeURIComponent(RECORDER)}`,
      join(import.meta.dirname, '../../src/main.ts'),
    ],
    telegram: tg,
    // tsx transforms every source on a cold start; on a loaded machine that takes a while.
    waitForPollMs: 90_000,
  });
  try {
    assert.equal(bot.hasExited(), false, bot.logs().slice(-20).join('\n'));
    const idle = loadedPackages(log);
    assert.ok(idle.has('grammy') && idle.has('zod'), 'the recorder sees the packages the bot does load');
    assert.deepEqual(lazyLoaded(idle), [], 'nothing heavy is loaded by an idle bot');

    tg.sendUserMessage({ chatId: USER, text: 'hello lazy bot' });
    await tg.waitForBotMessage(USER, (m) => m.text.includes('Lazy echo: hello lazy bot'), { timeoutMs: 60_000 });
    const used = loadedPackages(log);
    assert.ok(used.has('@google/genai'), 'the first model call loads the Gemini SDK');
    assert.ok(used.has('prom-client'), 'the first turn loads prom-client (it is counted)');
  } finally {
    await bot.kill('SIGTERM', 5000);
    await tg.close();
    await gemini.close();
    await db.cleanup();
    rmSync(log, { force: true });
  }
});
