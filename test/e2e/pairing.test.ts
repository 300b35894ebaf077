/**
 * Issue 11 point 2 through the real entry point (src/main.ts in a child process): with no ALLOWED_USER_IDS the bot
 * prints a one-time pairing code at info level; plain /start does not make anyone the owner; /start <code> does, once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const FIRST = 8101;
const OWNER = 8202;

test('no allowlist: the owner is whoever sends the pairing code from the log, not whoever sends /start first', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('pairing');
  const bot = await startBot({ env: botEnv(tg, gemini, db.url, { LOG_LEVEL: 'info', PORT: '0' }) });
  try {
    const line = await bot.waitForLog((_, json) => typeof json?.pairing_code === 'string', 10_000);
    const entry = JSON.parse(line) as { level: number; pairing_code: string; msg: string };
    assert.equal(entry.level, 30, 'printed at info level');
    assert.match(entry.pairing_code, /^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    assert.ok(entry.msg.includes(`/start ${entry.pairing_code}`), 'the line says what to send');

    tg.sendUserMessage({ chatId: FIRST, text: '/start', firstName: 'Quick' });
    const refused = await tg.waitForBotMessage(FIRST);
    assert.match(refused.text, /pairing code/);
    assert.doesNotMatch(refused.text, /time zone/i);

    tg.sendUserMessage({ chatId: OWNER, text: `/start ${entry.pairing_code}`, firstName: 'Olga' });
    await tg.waitForBotMessage(OWNER, (m) => /Which time zone/.test(m.text));

    // The code is used up: the first sender now only asks the owner for access.
    tg.sendUserMessage({ chatId: FIRST, text: `/start ${entry.pairing_code}`, firstName: 'Quick' });
    await tg.waitForBotMessage(FIRST, (m) => /asked its owner/.test(m.text));
    const prompt = await tg.waitForBotMessage(OWNER, (m) => /would like to use/.test(m.text), { since: 'any' });
    assert.match(prompt.text, /Quick/);
    assert.equal(
      bot.logs().filter((l) => l.includes(entry.pairing_code)).length,
      1,
      'the code is printed once and never logged again',
    );
  } finally {
    await bot.kill('SIGTERM');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
