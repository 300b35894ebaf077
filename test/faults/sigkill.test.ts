import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@libsql/client';
import { type ChildBot, botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { seededRandom, sleep } from './app-harness.ts';

const CHATS = [7101, 7102, 7103];
const PER_CHAT = 4;
// An update is given up after 3 attempts (the dispatcher's maxAttempts), each crash mid-turn costing one: with 3
// kills all landing on one chat's first message, "every message answered" would not be promised. 2 kills keep every
// message within its retry budget wherever they land (beyond it the user gets an apology and is asked to resend).
const KILLS = 2;

test('SIGKILL the real entry point at random points under load: every message answered, duplicates ≤ kills', async (t) => {
  const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed=${seed} (replay with FAULT_SEED=${seed})`);
  const random = seededRandom(seed);
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('fault-sigkill');
  // Each answer echoes the token of the message it answers, so answers can be matched to messages.
  const delays = new Map<string, number>();
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    const token = /tok-\d+-\d+/.exec(req.lastUserText)?.[0] ?? 'none';
    let delayMs = delays.get(token);
    if (delayMs === undefined) {
      delayMs = 100 + Math.floor(random() * 300);
      delays.set(token, delayMs);
    }
    return { text: `answer ${token}`, delayMs };
  });
  const env = botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: CHATS.join(','), PORT: '0', LOG_LEVEL: 'warn' });
  const tokens = CHATS.flatMap((c) => Array.from({ length: PER_CHAT }, (_, i) => `tok-${c}-${i + 1}`));
  const chatOf = (token: string) => Number(token.split('-')[1]);
  let bot: ChildBot | undefined;
  try {
    bot = await startBot({ env });
    // The scripted load: every chat sends its next message every 250 ms, while the bot is being killed.
    const load = (async () => {
      for (let i = 1; i <= PER_CHAT; i++) {
        for (const chat of CHATS) tg.sendUserMessage({ chatId: chat, text: `question tok-${chat}-${i} please` });
        await sleep(250);
      }
    })();
    const killPoints: string[] = [];
    const answersSoFar = () =>
      CHATS.reduce((n, c) => n + tg.botMessages(c).filter((m) => m.text.startsWith('answer ')).length, 0);
    for (let k = 0; k < KILLS; k++) {
      const after = 200 + Math.floor(random() * 900);
      await sleep(after);
      const inFlight = gemini.generateCalls().filter((r) => r.status === 0).length;
      killPoints.push(`${after} ms (model calls in flight ${inFlight}, answers so far ${answersSoFar()})`);
      await bot.kill('SIGKILL');
      bot = await startBot({ env });
    }
    await load;
    t.diagnostic(`kills after each start: ${killPoints.join('; ')}`);

    const answered = (token: string) =>
      tg.botMessages(chatOf(token)).filter((m) => m.text === `answer ${token}`).length;
    await tg.waitFor(() => tokens.every((tok) => answered(tok) >= 1), {
      timeoutMs: 30_000,
      label: `all ${tokens.length} answered (seed ${seed})`,
    });
    // Let late duplicates (a resumed turn re-sending) show up before counting.
    await sleep(400);
    const perToken = tokens.map((tok) => answered(tok));
    const duplicates = perToken.reduce((n, c) => n + (c - 1), 0);
    const giveUps = CHATS.flatMap((c) => tg.botMessages(c)).filter((m) =>
      /even after several tries/.test(m.text),
    ).length;
    t.diagnostic(
      `messages=${tokens.length} kills=${KILLS} duplicates=${duplicates} give-ups=${giveUps} answers per message=${perToken.join(',')}`,
    );
    assert.ok(
      perToken.every((c) => c >= 1),
      `every message has its answer (seed ${seed})`,
    );
    assert.ok(duplicates <= KILLS, `duplicates (${duplicates}) ≤ kills (${KILLS}) (seed ${seed})`);
    assert.equal(giveUps, 0, `no message was given up (seed ${seed})`);
    // Per-chat order holds across restarts: each chat's answers appear in the order of its messages.
    for (const chat of CHATS) {
      const order = tg
        .botMessages(chat)
        .map((m) => /^answer tok-\d+-(\d+)$/.exec(m.text)?.[1])
        .filter((x): x is string => x !== undefined)
        .map(Number);
      const firsts = order.filter((n, i) => order.indexOf(n) === i);
      assert.deepEqual(firsts, [1, 2, 3, 4], `chat ${chat} answered in order (seed ${seed}): ${order.join(',')}`);
    }
    const exit = await bot.kill('SIGTERM', 8000);
    assert.equal(exit.code, 0, 'the last instance stops cleanly');

    const client = createClient({ url: db.url });
    try {
      const rows = await client.execute(
        `SELECT state, COUNT(*) AS n FROM updates WHERE kind = 'message' GROUP BY state`,
      );
      const states = Object.fromEntries(rows.rows.map((r) => [String(r.state), Number(r.n)]));
      assert.deepEqual(states, { done: tokens.length }, `every journaled message is done (seed ${seed})`);
      const turns = await client.execute(
        `SELECT COUNT(DISTINCT turn_id) AS n FROM memory_messages WHERE role = 'model'`,
      );
      assert.equal(Number(turns.rows[0]?.n), tokens.length, 'each turn is stored in memory once');
    } finally {
      client.close();
    }
  } finally {
    if (bot && !bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
