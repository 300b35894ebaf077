import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@libsql/client';
import { botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const USER = 4242;

test('e2e: the real entry point replies through Gemini, persists both sides, and stops cleanly on SIGTERM', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('e2e-reply');
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `Echo: ${req.lastUserText}` }));
  const bot = await startBot({ env: botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: String(USER), PORT: '0' }) });
  try {
    tg.sendUserMessage({ chatId: USER, text: 'hello from the smoke test' });
    const reply = await tg.waitForBotMessage(USER, (m) => /Echo: hello from the smoke test/.test(m.text), {
      timeoutMs: 15000,
    });
    assert.ok(reply.messageId > 0);

    const started = Date.now();
    const exit = await bot.kill('SIGTERM', 8000);
    assert.equal(exit.code, 0, bot.logs().slice(-20).join('\n'));
    assert.ok(Date.now() - started < 8000, 'stops within the bound');

    const client = createClient({ url: db.url });
    try {
      const journal = await client.execute('SELECT state FROM updates');
      assert.deepEqual(
        journal.rows.map((r) => r.state),
        ['done'],
      );
      const text = JSON.stringify((await client.execute('SELECT * FROM memory_messages')).rows);
      assert.match(text, /hello from the smoke test/);
      assert.match(text, /Echo: hello from the smoke test/);
    } finally {
      client.close();
    }
  } finally {
    if (!bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});

test('e2e: a token Telegram rejects gives a clear message and a non-zero exit', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('e2e-badtoken');
  const env = botEnv(tg, gemini, db.url, {
    PORT: '0',
    TELEGRAM_BOT_TOKEN: '999999:WRONG-token_abcdefghijklmnopqrstuv',
  });
  const bot = await startBot({ env, waitForPollMs: 0 });
  try {
    const exit = await bot.exited;
    assert.equal(exit.code, 1);
    assert.ok(
      bot.logs().some((l) => /rejected the bot token/.test(l)),
      bot.logs().slice(-5).join('\n'),
    );
    assert.ok(!bot.logs().some((l) => l.includes('WRONG-token')), 'the token is never printed');
  } finally {
    if (!bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
