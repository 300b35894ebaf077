import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIdGen, systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { createMemory } from '../../src/memory/memory.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { startInbound } from './inbound-harness.ts';

const U = 701;

test('/start offers time zone buttons; a button press sets the zone', async () => {
  const h = await startInbound({ allowedUserIds: [U] });
  try {
    h.tg.sendUserMessage({ chatId: U, text: '/start', firstName: 'Ann' });
    const welcome = await h.tg.waitForBotMessage(U);
    assert.match(welcome.text, /Hi Ann/);
    assert.match(welcome.text, /Which time zone/);
    const buttons = JSON.stringify(welcome.replyMarkup);
    assert.match(buttons, /sys:tz:Europe\/Berlin/);
    h.tg.pressButton({ chatId: U, messageId: welcome.messageId, data: 'sys:tz:Asia/Tokyo' });
    await h.tg.waitForBotMessage(U, (m) => /Time zone set to Asia\/Tokyo/.test(m.text), { since: 'any' });
    assert.equal(await h.users.timezoneOf(U), 'Asia/Tokyo');
    // A forged zone is refused.
    h.tg.pressButton({ chatId: U, messageId: welcome.messageId, data: 'sys:tz:Mars/Olympus' });
    await h.tg.waitFor(() => h.tg.callbackAnswers().some((a) => /not valid/.test(a.text ?? '')));
    assert.equal(await h.users.timezoneOf(U), 'Asia/Tokyo');
  } finally {
    await h.close();
  }
});

test('a typed city or IANA name after /start sets the zone; nonsense gets a clear hint', async () => {
  const h = await startInbound({ allowedUserIds: [U] });
  try {
    h.tg.sendUserMessage({ chatId: U, text: '/start' });
    await h.tg.waitForBotMessage(U);
    h.tg.sendUserMessage({ chatId: U, text: 'Atlantisville' });
    assert.match((await h.tg.waitForBotMessage(U)).text, /couldn't find a time zone/);
    h.tg.sendUserMessage({ chatId: U, text: 'new york' });
    assert.match((await h.tg.waitForBotMessage(U)).text, /America\/New_York/);
    assert.equal(await h.users.timezoneOf(U), 'America/New_York');

    h.tg.sendUserMessage({ chatId: U, text: '/settings' });
    const settings = await h.tg.waitForBotMessage(U);
    assert.match(settings.text, /America\/New_York/);
    h.tg.pressButton({ chatId: U, messageId: settings.messageId, data: 'sys:set:tz' });
    await h.tg.waitForBotMessage(U, (m) => /Tap your time zone/.test(m.text), { since: 'any' });
    h.tg.sendUserMessage({ chatId: U, text: 'Europe/Lisbon' });
    assert.match((await h.tg.waitForBotMessage(U)).text, /Europe\/Lisbon/);
    h.tg.pressButton({ chatId: U, messageId: settings.messageId, data: 'sys:set:progress' });
    await h.tg.waitForBotMessage(U, (m) => /I won’t show what I’m doing/.test(m.text), { since: 'any' });
    assert.equal((await h.users.get(U))?.settings.showProgress, false);
  } finally {
    await h.close();
  }
});

test('/new starts a new thread and confirms; /help lists the commands', async () => {
  const gemini = await createFakeGemini();
  const log = createLogger({ level: 'silent' });
  let threadsBefore = 0;
  const h = await startInbound({
    allowedUserIds: [U],
    memory: (store) => {
      const llm = createGeminiLlm({
        apiKey: gemini.apiKey,
        baseUrl: gemini.baseUrl,
        defaultTimeoutMs: 5000,
        retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
        clock: systemClock,
        log,
      });
      return createMemory({ store, llm, clock: systemClock, ids: createIdGen(), log, models: { chat: 'm' } });
    },
  });
  try {
    threadsBefore = Number((await h.store.get('SELECT COUNT(*) AS n FROM memory_threads'))?.n);
    h.tg.sendUserMessage({ chatId: U, text: '/new' });
    assert.match((await h.tg.waitForBotMessage(U)).text, /Started a new conversation/);
    const after = Number((await h.store.get('SELECT COUNT(*) AS n FROM memory_threads'))?.n);
    assert.equal(after, threadsBefore + 1);
    h.tg.sendUserMessage({ chatId: U, text: '/help' });
    const help = await h.tg.waitForBotMessage(U);
    for (const c of ['/start', '/help', '/new', '/settings', '/stop']) assert.ok(help.text.includes(c), c);
    const registered = h.tg.commands().map((c) => c.command);
    for (const c of ['start', 'help', 'new', 'settings', 'stop', 'users'])
      assert.ok(registered.includes(c), `setMyCommands has ${c}`);
  } finally {
    await h.close();
    await gemini.close();
  }
});
