import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Bot } from 'grammy';
import { pino } from 'pino';
import { type Clock, systemClock } from '../../src/core/clock.ts';
import { AppError } from '../../src/core/errors.ts';
import type { Delivery } from '../../src/core/outbox.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { outboxMigration } from '../../src/store/migrations/003-outbox.ts';
import { type TelegramOutboxDeps, createTelegramOutbox } from '../../src/telegram/outbox.ts';
import {
  type Grant,
  type RateLimiter,
  type RateLimiterOptions,
  createRateLimiter,
} from '../../src/telegram/rate-limiter.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const silent = pino({ level: 'silent' });
const FAST = { privatePerSec: 1000, groupPerMin: 60_000, globalPerSec: 1000 };

let db: TempDb;
let store: Store;
const cleanups: (() => Promise<void> | void)[] = [];

before(async () => {
  db = tempDbUrl('outbox');
  store = await createStore({ url: db.url, migrations: [outboxMigration] });
});
after(async () => {
  await store.close();
  await db.cleanup();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  options: {
    fake?: Parameters<typeof createFakeTelegram>[0];
    limits?: Omit<RateLimiterOptions, 'clock'>;
    clock?: Clock;
    retry?: TelegramOutboxDeps['retry'];
    textLimit?: number;
    onChatMigrated?: TelegramOutboxDeps['onChatMigrated'];
  } = {},
) {
  const fake = await createFakeTelegram(options.fake);
  const clock = options.clock ?? systemClock;
  const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botUser });
  const limiter = createRateLimiter({ clock, ...(options.limits ?? FAST) });
  const outbox = createTelegramOutbox({
    api: bot.api,
    store,
    clock,
    log: silent,
    limiter,
    retry: options.retry ?? { baseDelayMs: 5, maxDelayMs: 20 },
    ...(options.textLimit ? { textLimit: options.textLimit } : {}),
    ...(options.onChatMigrated ? { onChatMigrated: options.onChatMigrated } : {}),
  });
  cleanups.push(() => fake.close());
  cleanups.push(() => limiter.close());
  return { fake, bot, limiter, outbox };
}

/** Runs `work` while moving the manual clock forward in small steps, so limiter timers and backoffs fire. */
async function drive<T>(clock: ManualClock, work: Promise<T>, stepMs = 100): Promise<T> {
  let done = false;
  const result = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 2000 && !done; i++) {
    await clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 2));
  }
  return result;
}

function ok(d: Delivery): number[] {
  assert.ok(d.ok, `delivery failed: ${JSON.stringify(d)}`);
  return d.messageIds;
}

describe('outbox: send', () => {
  it('sends HTML, puts the keyboard on the last chunk and the reply on the first', async () => {
    const { fake, outbox } = await setup({ textLimit: 200 });
    const user = fake.sendUserMessage({ chatId: 42, text: 'question' });
    const userMessageId = user.message?.message_id ?? 0;
    const md = Array.from({ length: 12 }, (_, i) => `Paragraph **${i}** with some words to fill the line.`).join(
      '\n\n',
    );
    const ids = ok(
      await outbox.send(
        { chatId: 42 },
        { text: md, keyboard: [[{ text: 'Again', data: 'sys:retry:1' }]], replyTo: userMessageId },
      ),
    );
    const bot = fake.botMessages(42);
    assert.ok(bot.length >= 3, 'bot.length >= 3');
    assert.deepEqual(
      bot.map((m) => m.messageId),
      ids,
    );
    assert.equal(bot[0]?.replyToMessageId, userMessageId);
    assert.ok(
      bot.slice(1).every((m) => m.replyToMessageId === undefined),
      'bot.slice(1).every((m) => m.replyToMessageId === undefined)',
    );
    assert.ok(
      bot.slice(0, -1).every((m) => m.replyMarkup === undefined),
      'bot.slice(0, -1).every((m) => m.replyMarkup === undefined)',
    );
    assert.deepEqual(bot.at(-1)?.replyMarkup, { inline_keyboard: [[{ text: 'Again', callback_data: 'sys:retry:1' }]] });
    assert.ok(
      bot.every((m) => m.parseMode === 'HTML' && m.text.length <= 200),
      "bot.every((m) => m.parseMode === 'HTML' && m.text.length <= 200)",
    );
    assert.equal(bot.map((m) => m.text).join('\n\n'), md.replace(/\*\*/g, ''));
  });

  it('re-sends a chunk as plain text when Telegram cannot parse its entities, losing nothing', async () => {
    const { fake, outbox } = await setup();
    fake.failNext('sendMessage', {
      error_code: 400,
      description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3',
    });
    const ids = ok(
      await outbox.send({ chatId: 7 }, { text: 'Use **bold** and `a < b` & <tags>. [Docs](https://ex.com/?a=1&b=2)' }),
    );
    const [m] = fake.botMessages(7);
    assert.deepEqual([m?.messageId], ids);
    assert.equal(m?.parseMode, undefined, 'fallback is plain text');
    assert.equal(m?.text, 'Use bold and a < b & <tags>. Docs (https://ex.com/?a=1&b=2)', 'text and link targets kept');
    assert.equal(fake.callsOf('sendMessage').length, 2);
  });

  it('re-splits smaller when Telegram says the message is too long', async () => {
    const { fake, outbox } = await setup();
    fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: message is too long' });
    const text = Array.from({ length: 60 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const ids = ok(await outbox.send({ chatId: 8 }, { text, format: 'plain' }));
    const bot = fake.botMessages(8);
    assert.ok(ids.length >= 2, `re-split into ${ids.length}`);
    assert.equal(bot.map((m) => m.text).join('\n'), text);
  });

  it('retries 5xx and dropped connections, then delivers exactly once', async () => {
    const { fake, outbox } = await setup();
    fake.failNext('sendMessage', { error_code: 502 }, 2);
    fake.failNextConnection('sendMessage');
    fake.failNext('sendMessage', { error_code: 500 });
    ok(await outbox.send({ chatId: 9 }, { text: 'hello after trouble', format: 'plain' }));
    assert.deepEqual(
      fake.botMessages(9).map((m) => m.text),
      ['hello after trouble'],
    );
    assert.equal(fake.callsOf('sendMessage').length, 5);
  });

  it('gives up after maxAttempts transient failures with a failed delivery (no throw)', async () => {
    const { fake, outbox } = await setup({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    fake.failNext('sendMessage', { error_code: 503 }, 3);
    const d = await outbox.send({ chatId: 10 }, { text: 'x', format: 'plain' });
    assert.equal(d.ok, false);
    assert.equal(!d.ok && d.reason, 'failed');
    assert.equal(fake.botMessages(10).length, 0);
  });

  it('returns blocked / chat_not_found as values', async () => {
    const { fake, outbox } = await setup();
    fake.blockChat(11);
    const blocked = await outbox.send({ chatId: 11 }, { text: 'hi' });
    assert.deepEqual({ ok: blocked.ok, reason: !blocked.ok && blocked.reason }, { ok: false, reason: 'blocked' });
    fake.failNext('sendMessage', { error_code: 403, description: 'Forbidden: user is deactivated' });
    const deactivated = await outbox.send({ chatId: 12 }, { text: 'hi' });
    assert.equal(!deactivated.ok && deactivated.reason, 'blocked');
    fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: chat not found' });
    const missing = await outbox.send({ chatId: 13 }, { text: 'hi' });
    assert.equal(!missing.ok && missing.reason, 'chat_not_found');
    assert.equal(fake.callsOf('sendMessage').length, 3, 'permanent errors are not retried');
  });

  it('follows a group → supergroup migration once', async () => {
    const migrations: [number, number][] = [];
    const { fake, outbox } = await setup({ onChatMigrated: (a, b) => void migrations.push([a, b]) });
    fake.failNext('sendMessage', {
      error_code: 400,
      description: 'Bad Request: group chat was upgraded to a supergroup chat',
      parameters: { migrate_to_chat_id: -1009001 },
    });
    ok(await outbox.send({ chatId: -9001 }, { text: 'to the new chat', format: 'plain' }));
    assert.deepEqual(migrations, [[-9001, -1009001]]);
    assert.deepEqual(
      fake.botMessages(-1009001).map((m) => m.text),
      ['to the new chat'],
    );
    ok(await outbox.send({ chatId: -9001 }, { text: 'next one', format: 'plain' }));
    assert.equal(fake.botMessages(-1009001).length, 2, 'later sends go straight to the new id');
  });

  it('rejects callback_data over 64 bytes with a clear invalid_input error', async () => {
    const { outbox } = await setup();
    await assert.rejects(
      outbox.send({ chatId: 14 }, { text: 'x', keyboard: [[{ text: 'b', data: `sys:${'é'.repeat(31)}` }]] }),
      (e: unknown) => e instanceof AppError && e.code === 'invalid_input' && /64 bytes/.test(e.message),
    );
  });
});

describe('outbox: dedupe', () => {
  it('returns the recorded delivery for a repeated key (also concurrently); one message in the transcript', async () => {
    const { fake, outbox } = await setup();
    const first = ok(await outbox.send({ chatId: 20 }, { text: 'Reminder: tea', dedupeKey: 'job:tea:1' }));
    const again = ok(await outbox.send({ chatId: 20 }, { text: 'Reminder: tea', dedupeKey: 'job:tea:1' }));
    assert.deepEqual(again, first);
    const [a, b] = await Promise.all([
      outbox.send({ chatId: 20 }, { text: 'parallel', dedupeKey: 'job:par:1' }),
      outbox.send({ chatId: 20 }, { text: 'parallel', dedupeKey: 'job:par:1' }),
    ]);
    assert.deepEqual(ok(a), ok(b));
    assert.deepEqual(
      fake.botMessages(20).map((m) => m.text),
      ['Reminder: tea', 'parallel'],
    );
    const row = await store.get('SELECT chat_id, message_ids FROM outbox_deliveries WHERE dedupe_key = ?', [
      'job:tea:1',
    ]);
    assert.deepEqual(JSON.parse(String(row?.message_ids)), first);
  });

  it('survives a restart: a new outbox on the same DB resumes after the last confirmed chunk', async () => {
    const { fake, bot, outbox } = await setup({ textLimit: 100 });
    const text = Array.from({ length: 3 }, (_, i) => `Part ${i}: ${'word '.repeat(15).trim()}`).join('\n\n');
    let calls = 0;
    bot.api.config.use((prev, method, payload, signal) => {
      if (method === 'sendMessage' && ++calls === 2) fake.blockChat(21); // the "crash": the 2nd chunk is refused
      return prev(method, payload, signal);
    });
    const partial = await outbox.send({ chatId: 21 }, { text, format: 'plain', dedupeKey: 'turn:77' });
    assert.equal(partial.ok, false);
    assert.match(!partial.ok ? partial.message : '', /Delivered 1 of 3 parts/);
    fake.blockChat(21, false);
    // A fresh process: new limiter and outbox, same database.
    const bot2 = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botUser });
    const limiter2 = createRateLimiter({ clock: systemClock, ...FAST });
    cleanups.push(() => limiter2.close());
    const outbox2 = createTelegramOutbox({
      api: bot2.api,
      store,
      clock: systemClock,
      log: silent,
      limiter: limiter2,
      textLimit: 100,
    });
    const resumed = ok(await outbox2.send({ chatId: 21 }, { text, format: 'plain', dedupeKey: 'turn:77' }));
    assert.equal(resumed.length, 3);
    assert.deepEqual(
      fake.botMessages(21).map((m) => m.text),
      text.split('\n\n'),
    );
    const third = ok(await outbox2.send({ chatId: 21 }, { text, format: 'plain', dedupeKey: 'turn:77' }));
    assert.deepEqual(third, resumed);
    assert.equal(fake.botMessages(21).length, 3);
  });
});

describe('outbox: edit, keyboard, document, helpers', () => {
  it('edits; "not modified" is success; a missing message is re-sent when asked', async () => {
    const { fake, outbox } = await setup();
    const [id] = ok(
      await outbox.send({ chatId: 30 }, { text: 'draft', keyboard: [[{ text: 'Stop', data: 'sys:stop:1' }]] }),
    );
    ok(await outbox.edit({ chatId: 30 }, id!, { text: '**final**' }));
    ok(await outbox.edit({ chatId: 30 }, id!, { text: '**final**' }));
    const m = fake.botMessages(30)[0];
    assert.equal(m?.text, 'final');
    assert.equal(m?.edits, 1);
    assert.equal(m?.replyMarkup, undefined, 'an edit without keyboard removes the Stop button');
    const missing = await outbox.edit({ chatId: 30 }, 999, { text: 'x' });
    assert.equal(missing.ok, false);
    const resent = ok(await outbox.edit({ chatId: 30 }, 999, { text: 'replacement' }, { sendIfMissing: true }));
    assert.equal(fake.botMessages(30).at(-1)?.text, 'replacement');
    assert.equal(resent.length, 1);
  });

  it('an edit longer than one message edits the first chunk and sends the rest, keyboard last', async () => {
    const { fake, outbox } = await setup({ textLimit: 120 });
    const [id] = ok(await outbox.send({ chatId: 31 }, { text: 'thinking…' }));
    const md = Array.from({ length: 5 }, (_, i) => `Block ${i} ${'lorem '.repeat(12).trim()}`).join('\n\n');
    const ids = ok(
      await outbox.edit({ chatId: 31 }, id!, { text: md, keyboard: [[{ text: 'Retry', data: 'sys:retry:x' }]] }),
    );
    assert.equal(ids[0], id);
    const bot = fake.botMessages(31);
    assert.deepEqual(
      bot.map((m) => m.messageId),
      ids,
    );
    assert.equal(bot.map((m) => m.text).join('\n\n'), md);
    assert.equal(bot[0]?.replyMarkup, undefined);
    assert.ok(bot.at(-1)?.replyMarkup, 'bot.at(-1)?.replyMarkup');
  });

  it('editKeyboard replaces and removes; sendDocument uploads with caption; delete, typing and drafts', async () => {
    const { fake, outbox } = await setup();
    const [id] = ok(await outbox.send({ chatId: 32 }, { text: 'pick', keyboard: [[{ text: 'A', data: 'q:a' }]] }));
    ok(await outbox.editKeyboard({ chatId: 32 }, id!, [[{ text: 'B', data: 'q:b' }]]));
    assert.deepEqual(fake.botMessages(32)[0]?.replyMarkup, {
      inline_keyboard: [[{ text: 'B', callback_data: 'q:b' }]],
    });
    ok(await outbox.editKeyboard({ chatId: 32 }, id!, undefined));
    ok(await outbox.editKeyboard({ chatId: 32 }, id!, undefined));
    assert.equal(fake.botMessages(32)[0]?.replyMarkup, undefined);
    const [doc] = ok(
      await outbox.sendDocument(
        { chatId: 32 },
        { name: 'export.json', data: new TextEncoder().encode('{"a":1}'), caption: 'Your export' },
      ),
    );
    const docEntry = fake.botMessages(32).find((m) => m.messageId === doc);
    assert.equal(docEntry?.kind, 'document');
    assert.equal(docEntry?.text, 'Your export');
    assert.equal(new TextDecoder().decode(fake.file(docEntry?.document?.fileId ?? '')?.data), '{"a":1}');
    assert.equal(await outbox.deleteMessage({ chatId: 32 }, id!), true);
    assert.equal(await outbox.deleteMessage({ chatId: 32 }, id!), true, 'already gone counts as deleted');
    assert.equal(await outbox.sendChatAction({ chatId: 32 }), true);
    assert.deepEqual(fake.chatActions(32), ['typing']);
    assert.equal(await outbox.sendDraft({ chatId: 32 }, 5, '<b>partial</b>', { format: 'html' }), true);
    assert.equal(fake.drafts(32)[0]?.text, 'partial');
  });
});

describe('outbox: rate limits', () => {
  it('429 storm: every message delivered exactly once, in order, after retry_after', async () => {
    const clock = createManualClock();
    const { fake, bot, outbox } = await setup({
      clock,
      limits: { privatePerSec: 5, groupPerMin: 600, globalPerSec: 30 },
    });
    const log: { chat: number; t: number; code: number }[] = [];
    bot.api.config.use(async (prev, method, payload, signal) => {
      const t = clock.now();
      const res = await prev(method, payload, signal);
      if (method === 'sendMessage')
        log.push({ chat: Number((payload as { chat_id: number }).chat_id), t, code: res.ok ? 200 : res.error_code });
      return res;
    });
    fake.failNext('sendMessage', { error_code: 429, retry_after: 2 }, 8);
    const chats = [101, 102, 103, -104];
    const sends = chats.flatMap((chatId) =>
      Array.from({ length: 5 }, (_, i) =>
        outbox.send({ chatId }, { text: `chat ${chatId} message ${i}`, format: 'plain' }),
      ),
    );
    const results = await drive(clock, Promise.all(sends));
    results.forEach(ok);
    for (const chatId of chats) {
      assert.deepEqual(
        fake.botMessages(chatId).map((m) => m.text),
        Array.from({ length: 5 }, (_, i) => `chat ${chatId} message ${i}`),
        `chat ${chatId} in order, once each`,
      );
    }
    assert.equal(fake.stats.tooManyRequests, 8);
    // retry_after honoured: after a 429 in a chat, nothing was sent to that chat for 2 s.
    for (const [i, entry] of log.entries()) {
      if (entry.code !== 429) continue;
      const next = log.slice(i + 1).find((e) => e.chat === entry.chat);
      assert.ok(
        next && next.t - entry.t >= 2000,
        `chat ${entry.chat}: next send ${next ? next.t - entry.t : 'none'} ms after the 429`,
      );
    }
  });

  it('with the fake enforcing limits, bursts to a private chat and a group cause zero 429s and keep order', async () => {
    const limits = { privatePerSec: 10, groupPerMin: 20, globalPerSec: 30 };
    const { fake, outbox } = await setup({ fake: { enforceLimits: limits }, limits });
    const privateSends = Array.from({ length: 14 }, (_, i) =>
      outbox.send({ chatId: 201 }, { text: `p${i}`, format: 'plain' }),
    );
    const groupSends = Array.from({ length: 20 }, (_, i) =>
      outbox.send({ chatId: -202 }, { text: `g${i}`, format: 'plain' }),
    );
    const others = Array.from({ length: 20 }, (_, i) =>
      outbox.send({ chatId: 300 + i }, { text: `o${i}`, format: 'plain' }),
    );
    (await Promise.all([...privateSends, ...groupSends, ...others])).forEach(ok);
    assert.equal(fake.stats.tooManyRequests, 0);
    assert.deepEqual(
      fake.botMessages(201).map((m) => m.text),
      Array.from({ length: 14 }, (_, i) => `p${i}`),
    );
    assert.deepEqual(
      fake.botMessages(-202).map((m) => m.text),
      Array.from({ length: 20 }, (_, i) => `g${i}`),
    );
  });
});

describe('rate limiter (manual clock)', () => {
  function limiterWith(clock: ManualClock, options: Omit<RateLimiterOptions, 'clock'> = {}): RateLimiter {
    const l = createRateLimiter({ clock, marginMs: 0, ...options });
    cleanups.push(() => l.close());
    return l;
  }
  /** Records the grant time and completes the "request" at once. */
  const grantedAt = (clock: ManualClock, p: Promise<Grant | undefined>, sink: number[]) =>
    p.then((g) => {
      if (!g) return;
      sink.push(clock.now());
      g.release();
    });
  const took = (results: string[], label: string) => (g: Grant | undefined) => {
    results.push(label.includes(':') || label.startsWith('preview') ? `${label}:${g !== undefined}` : label);
    g?.release();
  };

  it('private chats get 1/s, groups 20/min, FIFO per chat', async () => {
    const clock = createManualClock(0);
    const l = limiterWith(clock);
    const priv: number[] = [];
    const group: number[] = [];
    const order: string[] = [];
    for (let i = 0; i < 3; i++) void grantedAt(clock, l.acquire(5), priv).then(() => order.push(`p${i}`));
    for (let i = 0; i < 22; i++) void grantedAt(clock, l.acquire(-6), group);
    await clock.flush();
    await clock.advance(2000);
    assert.deepEqual(priv, [0, 1000, 2000]);
    assert.deepEqual(order, ['p0', 'p1', 'p2']);
    assert.equal(group.length, 20);
    await clock.advance(58_000);
    assert.equal(group.length, 22);
    assert.deepEqual(group.slice(20), [60_000, 60_000]);
  });

  it('holds 30/s globally, round-robin across chats, and pauses a chat after a 429', async () => {
    const clock = createManualClock(0);
    const l = limiterWith(clock, { privatePerSec: 100 });
    const first: number[] = [];
    for (let i = 0; i < 35; i++) void grantedAt(clock, l.acquire(99), first);
    await clock.flush();
    assert.equal(first.length, 30, 'the global budget is 30 per second');
    // Under contention, the next second is shared round-robin: 10 waiting chats get 3 each (chat 99 included).
    const byChat = new Map<number, number[]>();
    for (let c = 1; c <= 10; c++) {
      byChat.set(c, []);
      for (let i = 0; i < 6; i++) void grantedAt(clock, l.acquire(c), byChat.get(c)!);
    }
    await clock.advance(1000);
    const counts = [first.length - 30, ...[...byChat.values()].map((t) => t.length)];
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      30,
      `30 grants in the second window: ${counts.join(',')}`,
    );
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `fair share across 11 chats: ${counts.join(',')}`);
    await clock.advance(2000);
    assert.equal(first.length + [...byChat.values()].flat().length, 95, 'everything granted by the fourth second');
    const paused: number[] = [];
    l.onRateLimited(7, 5000);
    void grantedAt(clock, l.acquire(7), paused);
    await clock.advance(4900);
    assert.deepEqual(paused, []);
    await clock.advance(200);
    assert.equal(paused.length, 1);
    assert.ok(paused[0]! >= 7000, `granted at ${paused[0]}`);
  });

  it('allows a short burst in a private chat while keeping the 1/s average', async () => {
    const clock = createManualClock(0);
    const l = limiterWith(clock, { privatePerSec: 1, privateBurst: 3 });
    const granted: number[] = [];
    for (let i = 0; i < 7; i++) void grantedAt(clock, l.acquire(11), granted);
    await clock.flush();
    assert.deepEqual(granted, [0, 0, 0], 'three back to back');
    await clock.advance(2999);
    assert.equal(granted.length, 3, 'the fourth waits for the 3 s window');
    await clock.advance(1);
    assert.deepEqual(granted.slice(3), [3000, 3000, 3000]);
    await clock.advance(3000);
    assert.deepEqual(granted.slice(6), [6000]);
  });

  it('coalesces preview requests and keeps light requests out of the message budget', async () => {
    const clock = createManualClock(0);
    const l = limiterWith(clock, { privatePerSec: 1 });
    const results: string[] = [];
    void l.acquire(9).then(took(results, 'final-0'));
    void l.acquire(9, { coalesceKey: 'preview' }).then(took(results, 'preview-a'));
    void l.acquire(9, { coalesceKey: 'preview' }).then(took(results, 'preview-b'));
    void l.acquire(9).then(took(results, 'final-1'));
    void l.acquire(9, { lane: 'light' }).then(took(results, 'typing'));
    await clock.flush();
    assert.deepEqual(results, ['final-0', 'preview-a:false', 'typing']);
    await clock.advance(1000);
    assert.deepEqual(results.slice(3), ['preview-b:true']);
    await clock.advance(1000);
    assert.deepEqual(results.slice(4), ['final-1']);
    const abort = new AbortController();
    const aborted = l.acquire(9, { signal: abort.signal });
    abort.abort();
    assert.equal(await aborted, undefined);
  });
});
