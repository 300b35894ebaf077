import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { DEFAULT_BOT_USERNAME, DEFAULT_GROUP_USER_ID } from '../support/fake-telegram.ts';
import { realChat, startInbound } from './inbound-harness.ts';

const GROUP = -100777;
const USER = DEFAULT_GROUP_USER_ID;

test('groups: plain chatter is ignored; mention, reply to the bot and commands are answered', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `re: ${req.lastUserText.slice(-20)}` }));
  const h = await startInbound({ allowedUserIds: [USER], chat: realChat(gemini) });
  try {
    h.tg.sendUserMessage({ chatId: GROUP, userId: USER, text: 'just chatting with friends, secret plans' });
    h.tg.sendUserMessage({ chatId: GROUP, userId: USER, text: '/help@some_other_bot' });
    h.tg.sendUserMessage({ chatId: GROUP, userId: USER, text: `hey @${DEFAULT_BOT_USERNAME} what is 2+2` });
    const mentioned = await h.tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('re:'));
    assert.match(mentioned.text, /what is 2\+2/);
    assert.equal(h.tg.botMessages(GROUP).length, 1, 'chatter and other bots’ commands got no answer');
    const calls = gemini.generateCalls();
    assert.ok(!calls.some((r) => r.lastUserText.includes('secret plans')), 'chatter never reached the model');
    assert.ok(!calls.some((r) => r.lastUserText.includes(`@${DEFAULT_BOT_USERNAME}`)), 'the mention is stripped');
    const chatter = await h.store.query(`SELECT payload FROM updates WHERE payload LIKE '%secret plans%'`);
    assert.equal(chatter.length, 0, 'chatter not addressed to the bot is journaled as metadata only');

    h.tg.sendUserMessage({
      chatId: GROUP,
      userId: USER,
      text: 'and times three?',
      replyToMessageId: mentioned.messageId,
    });
    await h.tg.waitForBotMessage(GROUP, (m) => /times three/.test(m.text));

    h.tg.sendUserMessage({ chatId: GROUP, userId: USER, text: `/help@${DEFAULT_BOT_USERNAME}` });
    await h.tg.waitForBotMessage(GROUP, (m) => /What I can do/.test(m.text));
    h.tg.sendUserMessage({ chatId: GROUP, userId: USER, text: '/help' });
    await h.tg.waitForBotMessage(GROUP, (m) => /What I can do/.test(m.text));
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('forum topics: each topic is its own lane and the reply goes to the same topic', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) =>
    req.kind === 'embed' ? undefined : { text: `topic answer: ${req.lastUserText.match(/T\d/)?.[0]}` },
  );
  const h = await startInbound({ allowedUserIds: [USER], chat: realChat(gemini) });
  try {
    h.tg.sendUserMessage({
      chatId: GROUP,
      userId: USER,
      topicId: 7,
      isForum: true,
      text: `@${DEFAULT_BOT_USERNAME} question T7`,
    });
    h.tg.sendUserMessage({
      chatId: GROUP,
      userId: USER,
      topicId: 9,
      isForum: true,
      text: `@${DEFAULT_BOT_USERNAME} question T9`,
    });
    await h.tg.waitFor(() => h.tg.botMessages(GROUP, 7).some((m) => m.text === 'topic answer: T7'));
    await h.tg.waitFor(() => h.tg.botMessages(GROUP, 9).some((m) => m.text === 'topic answer: T9'));
    assert.ok(!h.tg.botMessages(GROUP, 7).some((m) => m.text.includes('T9')));
    const keys = (await h.store.query(`SELECT chat_key FROM updates WHERE kind = 'message' ORDER BY update_id`)).map(
      (r) => r.chat_key,
    );
    assert.deepEqual(keys, [`${GROUP}:7`, `${GROUP}:9`]);
  } finally {
    await h.close();
    await gemini.close();
  }
});
