/** Dev aid (not a bench module): pre-fills a DB, runs N turns against the bot child with --cpu-prof, prints p50. */
import { botEnv, startBot } from '../../test/support/child-bot.ts';
import { createFakeGemini } from '../../test/support/fake-gemini.ts';
import { createFakeTelegram } from '../../test/support/fake-telegram.ts';
import { tempDbUrl } from '../../test/support/temp-db.ts';
import { prefill } from './e2e.ts';
import { percentile } from './row.ts';

const N = Number(process.argv[2] ?? 150);
const gemini = await createFakeGemini();
gemini.setHandler((req) =>
  req.systemText.includes('You extract durable facts') ? { text: '[]' } : { text: `Answer: ${req.lastUserText}` },
);
const tg = await createFakeTelegram();
const db = tempDbUrl('prof');
await prefill(db.url);
const users = Array.from({ length: 10 }, (_, i) => 7001 + i);
const env = botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: users.join(','), PORT: '0', LOG_LEVEL: 'warn' });
if (process.env.PROF_DIR)
  Object.assign(env, { NODE_OPTIONS: '--import /tmp/speed/prof-hook.mjs', PROF_OUT: process.env.PROF_DIR });
const bot = await startBot({ env });
const ms: number[] = [];
for (let i = 0; i < N; i++) {
  const chatId = users[i % users.length] as number;
  const marker = `(t ${i})`;
  const t0 = performance.now();
  tg.sendUserMessage({ chatId, text: `what did we decide on the dentist for next week ${marker}` });
  await tg.waitForBotMessage(chatId, (m) => m.text.includes(marker), { timeoutMs: 20_000 });
  if (i >= 10) ms.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 100));
}
console.log(`p50 ${percentile(ms, 50).toFixed(2)} p99 ${percentile(ms, 99).toFixed(2)}`);
const calls = tg.calls.slice(-40).map((c) => c.method);
console.log(calls.join(' '));
await bot.kill('SIGTERM', 10_000);
await tg.close();
await gemini.close();
await db.cleanup();
