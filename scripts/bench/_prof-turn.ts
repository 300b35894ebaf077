import { readFileSync } from 'node:fs';
/**
 * Dev aid (not a bench module): pre-fills a DB like the e2e bench, runs N turns (default 150) against the bot child
 * running the bundle `npm start` runs, and prints p50 / p99 and the bot's CPU per turn (from /proc, robust to a loaded machine, unlike wall time).
 * PROF_HOOK=<file.mjs> is passed to the child as NODE_OPTIONS=--import <file> (e.g. an inspector CPU profiler;
 * node refuses --cpu-prof in NODE_OPTIONS). Run: node --import tsx scripts/bench/_prof-turn.ts [N]
 */
import { botEnv, startBot } from '../../test/support/child-bot.ts';
import { ensureBuilt, npmStartNodeArgs } from '../../test/support/compiled.ts';
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
const env = botEnv(tg, gemini, db.url, {
  ALLOWED_USER_IDS: users.join(','),
  PORT: '0',
  LOG_LEVEL: 'warn',
});
if (process.env.PROF_HOOK) env.NODE_OPTIONS = `--import ${process.env.PROF_HOOK}`;
ensureBuilt();
// The bundle `npm start` runs (as the e2e bench does), not the TypeScript sources.
// FLOOR=1 runs the e2e bench's floor bot (bare grammY + one generateContent) instead, for its CPU per turn.
const bot = process.env.FLOOR
  ? await startBot({ env, entry: 'scripts/bench/_floor-bot.ts' })
  : await startBot({ env, nodeArgs: npmStartNodeArgs() });
const ms: number[] = [];
/** User + system CPU of the bot process, in ms (from /proc; 100 ticks per second). */
function cpuMs(pid: number | undefined): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
}
let cpu0 = 0;
for (let i = 0; i < N; i++) {
  if (i === 10) {
    cpu0 = cpuMs(bot.pid);
    // A PROF_HOOK starts its profiler on SIGUSR2: the measured turns only, not start-up and the first loads.
    if (process.env.PROF_HOOK && bot.pid !== undefined) process.kill(bot.pid, 'SIGUSR2');
  }
  const chatId = users[i % users.length] as number;
  const marker = `(t ${i})`;
  const t0 = performance.now();
  tg.sendUserMessage({ chatId, text: `what did we decide on the dentist for next week ${marker}` });
  await tg.waitForBotMessage(chatId, (m) => m.text.includes(marker), { timeoutMs: 20_000 });
  if (i >= 10) ms.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 100));
}
const cpu = (cpuMs(bot.pid) - cpu0) / ms.length;
const slowest = [...ms].sort((a, b) => a - b).slice(-8);
console.log(`slowest ${slowest.map((x) => x.toFixed(1)).join(' ')}; p90 ${percentile(ms, 90).toFixed(2)}`);
console.log(
  `p50 ${percentile(ms, 50).toFixed(2)} p99 ${percentile(ms, 99).toFixed(2)} ms; bot CPU ${cpu.toFixed(2)} ms/turn`,
);
const calls = tg.calls.slice(-40).map((c) => c.method);
console.log(calls.join(' '));
await bot.kill('SIGTERM', 10_000);
await tg.close();
await gemini.close();
await db.cleanup();
