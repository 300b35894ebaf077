/**
 * The bot's description and short description (issue 12, point 5): set at start only when Telegram's differ, and a
 * failure to read or set them never stops the bot (the next start tries again).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOT_DESCRIPTION, BOT_SHORT_DESCRIPTION } from '../../src/telegram/bot-profile.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { startInbound } from './inbound-harness.ts';

const U = 931;

test('description calls that fail are not fatal: the bot starts and answers, and the next start sets them', async () => {
  const tg = await createFakeTelegram();
  try {
    tg.failNext('setMyDescription', { error_code: 400, description: 'Bad Request: BOT_DESCRIPTION_INVALID' });
    tg.failNext('getMyShortDescription', { error_code: 502, description: 'Bad Gateway' });
    const first = await startInbound({ allowedUserIds: [U], tg });
    try {
      assert.deepEqual(first.fatal, []);
      assert.equal(tg.description(), '');
      assert.equal(tg.shortDescription(), '');
      const englishSets = tg.callsOf('setMyShortDescription').filter((c) => c.payload.language_code === undefined);
      assert.equal(englishSets.length, 0, 'not set blindly when the current text is unknown');
      tg.sendUserMessage({ chatId: U, text: '/help' });
      assert.match((await tg.waitForBotMessage(U)).text, /What I can do/);
    } finally {
      await first.close();
    }

    const second = await startInbound({ allowedUserIds: [U], tg });
    try {
      assert.equal(tg.description(), BOT_DESCRIPTION);
      assert.equal(tg.shortDescription(), BOT_SHORT_DESCRIPTION);
    } finally {
      await second.close();
    }
    // A third start finds both right and sets nothing.
    const sets = tg.callsOf('setMyDescription').length + tg.callsOf('setMyShortDescription').length;
    const third = await startInbound({ allowedUserIds: [U], tg });
    await third.close();
    assert.equal(tg.callsOf('setMyDescription').length + tg.callsOf('setMyShortDescription').length, sets);
  } finally {
    await tg.close();
  }
});
