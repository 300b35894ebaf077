/**
 * Several instances' outbound paths (store connection, limiter as the app wires it, real outbox, real grammY) on ONE
 * remote-protocol database (the fake sqld) sending to the same chats at once through the fake Bot API, which enforces
 * Telegram's flood limits. Used by the shared-budget test and the throughput bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from 'grammy';
import { pino } from 'pino';
import { systemClock } from '../../src/core/clock.ts';
import type { Delivery } from '../../src/core/outbox.ts';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { sendLimiterFor } from '../../src/telegram/send-budget.ts';
import { startFakeSqldProcess } from './fake-sqld-process.ts';
import { type FakeTelegram, createFakeTelegram } from './fake-telegram.ts';

export interface SharedLoad {
  instances: number;
  chats: number;
  /** Messages each instance sends to every chat. */
  perChat: number;
  /** Every `groupEvery`-th chat is a group (20/min), the rest private (1/s). Omitted: no groups. */
  groupEvery?: number;
  /**
   * Sends with dedupe keys (default true), as replies are: the outbox then reads and writes a delivery record per
   * message. Without, the budget's statements are the only database traffic and all the load reaches the limiter at
   * once, however slow the machine.
   */
  dedupe?: boolean;
  /** Gives up (throws, with the progress so far) when the sends have not all settled by then. Default 300 s. */
  deadlineMs?: number;
}

export interface SharedLoadResult {
  sent: number;
  delivered: number;
  elapsedMs: number;
  /** From the first message the fake accepted to the last (the outbox's reads before the first one excluded). */
  sendingMs: number;
  tooManyRequests: number;
  /** Messages that never reached the fake. */
  lost: number;
  /** (instance, chat) pairs whose messages arrived out of the order they were sent in. */
  outOfOrder: number;
  /** The chats of the requests answered 429 (negative: groups), for a failure message. */
  limitedChats: number[];
  /** Chats that received messages from more than one instance (the per-chat limit is really shared). */
  sharedChats: number;
}

/** Runs the load and tears everything down. */
export async function runSharedLoad(load: SharedLoad): Promise<SharedLoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-shared-budget-'));
  const sqld = await startFakeSqldProcess(join(dir, 'server.db'));
  const url = `libsql://127.0.0.1:${sqld.port}?tls=0`;
  const fake = await createFakeTelegram({ enforceLimits: true });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  // Migrate once, then each instance opens its own connection (as separate processes would).
  const setup = await createStore({ url, migrations });
  await setup.close();
  const instances = await Promise.all(
    Array.from({ length: load.instances }, async () => {
      const store = await createStore({ url, migrations });
      const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botUser });
      const limiter = sendLimiterFor({ clock: systemClock, privateBurst: 3 }, { store, clock: systemClock, log });
      const outbox = createTelegramOutbox({ api: bot.api, store, clock: systemClock, log, limiter });
      return { store, limiter, outbox };
    }),
  );
  try {
    return await measure(load, fake, instances);
  } finally {
    for (const inst of instances) {
      inst.limiter.close();
      await inst.store.close();
    }
    await fake.close();
    await sqld.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  load: SharedLoad,
  fake: FakeTelegram,
  instances: { outbox: ReturnType<typeof createTelegramOutbox> }[],
): Promise<SharedLoadResult> {
  const chatIds = Array.from({ length: load.chats }, (_, i) =>
    load.groupEvery && i % load.groupEvery === 0 ? -(1_000_000 + i) : 10_000 + i,
  );
  const expected = new Map<string, string[]>();
  const sends: Promise<Delivery>[] = [];
  const started = Date.now();
  for (let k = 0; k < load.perChat; k++) {
    for (const chatId of chatIds) {
      instances.forEach((inst, n) => {
        const text = `instance ${n} reply ${k} for chat ${chatId}`;
        const key = `${n}:${chatId}`;
        expected.set(key, [...(expected.get(key) ?? []), text]);
        sends.push(
          inst.outbox.send(
            { chatId },
            load.dedupe === false ? { text } : { text, dedupeKey: `shared:${n}:${chatId}:${k}` },
          ),
        );
      });
    }
  }
  const deadlineMs = load.deadlineMs ?? 300_000;
  let timer: NodeJS.Timeout | undefined;
  const results = await Promise.race([
    Promise.all(sends),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const accepted = fake.callsOf('sendMessage').filter((c) => c.status === 200).length;
        reject(new Error(`sends not settled after ${deadlineMs} ms: ${accepted} of ${sends.length} accepted`));
      }, deadlineMs);
    }),
  ]).finally(() => clearTimeout(timer));
  const elapsedMs = Date.now() - started;
  const acceptedAt = fake
    .callsOf('sendMessage')
    .filter((c) => c.status === 200)
    .map((c) => c.at);
  const sendingMs = acceptedAt.length > 1 ? Math.max(...acceptedAt) - Math.min(...acceptedAt) : 0;
  let lost = 0;
  let outOfOrder = 0;
  for (const [key, texts] of expected) {
    const [n, chatId] = key.split(':').map(Number) as [number, number];
    const got = fake
      .botMessages(chatId)
      .map((m) => m.text)
      .filter((t) => t.startsWith(`instance ${n} `));
    lost += texts.filter((t) => !got.includes(t)).length;
    if (got.join('\n') !== texts.join('\n')) outOfOrder++;
  }
  const sharedChats = chatIds.filter(
    (c) => new Set(fake.botMessages(c).map((m) => m.text.split(' ')[1])).size > 1,
  ).length;
  return {
    sent: sends.length,
    delivered: results.filter((r) => r.ok).length,
    elapsedMs,
    sendingMs,
    tooManyRequests: fake.stats.tooManyRequests,
    limitedChats: fake
      .callsOf('sendMessage')
      .filter((c) => c.status === 429)
      .map((c) => Number(c.payload.chat_id)),
    lost,
    outOfOrder,
    sharedChats,
  };
}
