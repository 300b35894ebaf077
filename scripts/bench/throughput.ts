import { Bot } from 'grammy';
import { pino } from 'pino';
import { systemClock } from '../../src/core/clock.ts';
import type { Delivery } from '../../src/core/outbox.ts';
import { createStore } from '../../src/store/db.ts';
import { outboxMigration } from '../../src/store/migrations/003-outbox.ts';
import { createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { createFakeTelegram } from '../../test/support/fake-telegram.ts';
import { runSharedLoad } from '../../test/support/shared-budget-load.ts';
import { tempDbUrl } from '../../test/support/temp-db.ts';
import type { BenchRow } from './row.ts';

const GLOBAL_LIMIT = 30;

interface Scenario {
  chats: number;
  perChat: number;
  /** Every `groupEvery`-th chat is a group (20 messages/min), the rest private (1/s). */
  groupEvery: number;
}

/**
 * Outbound throughput against the fake Bot API enforcing Telegram's flood limits (1/s per private chat, 20/min per
 * group, 30/s global): many chats each get several messages at once through the real outbox + limiter + grammY.
 */
async function scenario(s: Scenario): Promise<BenchRow[]> {
  const fake = await createFakeTelegram({ enforceLimits: true });
  const db = tempDbUrl('bench-throughput');
  const store = await createStore({ url: db.url, migrations: [outboxMigration] });
  const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botUser });
  const limiter = createRateLimiter({ clock: systemClock });
  const outbox = createTelegramOutbox({
    api: bot.api,
    store,
    clock: systemClock,
    log: pino({ level: 'silent' }),
    limiter,
  });
  const chatIds = Array.from({ length: s.chats }, (_, i) => (i % s.groupEvery === 0 ? -(1_000_000 + i) : 10_000 + i));
  const expected = new Map<number, string[]>();
  const started = Date.now();
  const sends: Promise<Delivery>[] = [];
  for (let k = 0; k < s.perChat; k++) {
    for (const chatId of chatIds) {
      const text = `reply ${k} for chat ${chatId}: **done** — ${'details '.repeat(8).trim()}`;
      const list = expected.get(chatId) ?? [];
      list.push(text.replace(/\*\*/g, ''));
      expected.set(chatId, list);
      sends.push(outbox.send({ chatId }, { text, dedupeKey: `bench:${s.chats}:${chatId}:${k}` }));
    }
  }
  const results = await Promise.all(sends);
  const elapsedMs = Date.now() - started;
  const delivered = results.filter((r) => r.ok).length;
  let lost = 0;
  let outOfOrder = 0;
  for (const [chatId, texts] of expected) {
    const got = fake.botMessages(chatId).map((m) => m.text);
    lost += texts.filter((t) => !got.includes(t)).length;
    if (got.join('\n') !== texts.join('\n')) outOfOrder++;
  }
  // The sliding window lets the first second's 30 go out at once; the sustained rate excludes that burst.
  const rate = Math.max(0, delivered - GLOBAL_LIMIT) / (elapsedMs / 1000);
  const share = (rate / GLOBAL_LIMIT) * 100;
  const tooMany = fake.stats.tooManyRequests;
  limiter.close();
  await fake.close();
  await store.close();
  await db.cleanup();
  const groups = chatIds.filter((c) => c < 0).length;
  const label = `${s.chats} chats (${s.chats - groups} private, ${groups} groups) × ${s.perChat}`;
  return [
    {
      area: 'telegram',
      name: `outbound rate, ${label}`,
      value: share,
      unit: '% of 30 msg/s',
      target: '≥ 90 %',
      pass: share >= 90,
      note: `${delivered} messages in ${(elapsedMs / 1000).toFixed(1)} s: sustained ${rate.toFixed(1)} msg/s after the first second's burst of ${GLOBAL_LIMIT}, against the fake's enforced limits`,
    },
    {
      area: 'telegram',
      name: `429s from the fake, ${label}`,
      value: tooMany,
      unit: 'responses',
      target: '0',
      pass: tooMany === 0,
    },
    {
      area: 'telegram',
      name: `lost replies, ${label}`,
      value: lost + (sends.length - delivered),
      unit: 'messages',
      target: '0',
      pass: lost === 0 && delivered === sends.length,
    },
    {
      area: 'telegram',
      name: `chats with order broken, ${label}`,
      value: outOfOrder,
      unit: 'chats',
      target: '0',
      pass: outOfOrder === 0,
    },
  ];
}

/**
 * Two instances on one remote database (the fake sqld) sharing Telegram's budget through it: each sends one message
 * to every one of 500 chats at once, so every chat gets two, one from each instance.
 */
async function twoInstances(): Promise<BenchRow[]> {
  const r = await runSharedLoad({ instances: 2, chats: 500, perChat: 1, groupEvery: 5 });
  // From the first accepted send to the last: before the first, both outboxes read their 500 delivery records from
  // the fake sqld, which runs in this same process (seconds on a loaded machine) — not the budget's doing.
  const rate = (r.delivered - 1) / (r.sendingMs / 1000);
  const share = (rate / GLOBAL_LIMIT) * 100;
  const label = '2 instances on one remote database, 500 chats × 2';
  return [
    {
      area: 'telegram',
      name: `outbound rate combined, ${label}`,
      value: share,
      unit: '% of 30 msg/s',
      target: '≥ 90 %',
      pass: share >= 90,
      note: `${r.delivered} messages sent in ${(r.sendingMs / 1000).toFixed(1)} s (${(r.elapsedMs / 1000).toFixed(1)} s with the outboxes' first reads): ${rate.toFixed(1)} msg/s; ${r.sharedChats} chats served by both instances`,
    },
    {
      area: 'telegram',
      name: `429s from the fake, ${label}`,
      value: r.tooManyRequests,
      unit: 'responses',
      target: '0',
      pass: r.tooManyRequests === 0,
    },
    {
      area: 'telegram',
      name: `lost replies and broken order, ${label}`,
      value: r.lost + (r.sent - r.delivered) + r.outOfOrder,
      unit: 'messages + chats',
      target: '0',
      pass: r.lost === 0 && r.delivered === r.sent && r.outOfOrder === 0,
    },
  ];
}

export async function run(): Promise<BenchRow[]> {
  return [
    ...(await scenario({ chats: 200, perChat: 3, groupEvery: 5 })),
    ...(await scenario({ chats: 500, perChat: 2, groupEvery: 5 })),
    ...(await twoInstances()),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of process.argv.includes('--shared') ? await twoInstances() : await run())
    console.log(`${row.name}: ${row.value.toFixed(1)} ${row.unit} ${row.pass ? 'PASS' : 'FAIL'} ${row.note ?? ''}`);
}
