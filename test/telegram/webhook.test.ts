import assert from 'node:assert/strict';
import { test } from 'node:test';
import { botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const USER = 6161;
const SECRET = 'hook_secret-123';

test('webhook mode (real entry point): wrong secret 401, malformed 400, right secret journaled then 200 and answered, /healthz 200', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('webhook');
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `Webhook echo: ${req.lastUserText}` }));
  const bot = await startBot({
    env: botEnv(tg, gemini, db.url, {
      ALLOWED_USER_IDS: String(USER),
      PORT: '0',
      BOT_MODE: 'webhook',
      WEBHOOK_URL: 'https://bot.example.test/tg-hook',
      WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'info',
    }),
    waitForPollMs: 0,
  });
  try {
    const line = await bot.waitForLog((_l, j) => j?.msg === 'http server listening', 15000);
    const port = Number((JSON.parse(line) as { port: number }).port);
    await bot.waitForLog((_l, j) => j?.msg === 'webhook registered', 15000);
    const setWebhook = tg.callsOf('setWebhook')[0];
    assert.equal(setWebhook?.payload.url, 'https://bot.example.test/tg-hook');
    assert.equal(setWebhook?.payload.secret_token, SECRET);

    const url = `http://127.0.0.1:${port}/tg-hook`;
    const update = {
      update_id: 424242,
      message: {
        message_id: 5,
        date: Math.floor(Date.now() / 1000),
        chat: { id: USER, type: 'private', first_name: 'W' },
        from: { id: USER, is_bot: false, first_name: 'W' },
        text: 'via webhook',
      },
    };
    const post = (body: string, secret?: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}),
        },
        body,
      });

    assert.equal((await post(JSON.stringify(update), 'wrong')).status, 401);
    assert.equal((await post(JSON.stringify(update))).status, 401);
    assert.equal((await post('{not json', SECRET)).status, 400);
    assert.equal((await post(JSON.stringify({ hello: 1 }), SECRET)).status, 400);
    assert.equal(gemini.generateCalls().length, 0, 'rejected requests never reach the model');

    const ok = await post(JSON.stringify(update), SECRET);
    assert.equal(ok.status, 200);
    await tg.waitForBotMessage(USER, (m) => /Webhook echo: via webhook/.test(m.text), {
      timeoutMs: 15000,
      since: 'any',
    });
    // Telegram redelivers when unsure: the same update is not answered twice.
    assert.equal((await post(JSON.stringify(update), SECRET)).status, 200);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as Record<string, unknown>;
    assert.equal(body.mode, 'webhook');
    assert.equal(body.db, 'ok');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(tg.botMessages(USER).length, 1);

    const exit = await bot.kill('SIGTERM', 8000);
    assert.equal(exit.code, 0);
  } finally {
    if (!bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
