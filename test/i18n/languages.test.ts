/**
 * Issue 12 point 9 (languages), through the real entry point (src/main.ts as a child process) and the transcripts:
 * a user whose Telegram app is in Russian gets Russian /start (the time-zone question), /help and notices; an
 * English user gets the same in English; /language switches the Russian user to English and back to Auto; and the
 * bot's description, short description and command menus exist in Russian too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChildBot, botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const RU = 9101;
const EN = 9102;
const CYRILLIC = /[А-Яа-яЁё]/;

function buttons(m: TranscriptEntry | undefined): { text: string; data?: string }[] {
  const markup = m?.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;
  return (markup?.inline_keyboard ?? [])
    .flat()
    .map((b) => ({ text: b.text, ...(b.callback_data ? { data: b.callback_data } : {}) }));
}

async function withBot(run: (tg: FakeTelegram, bot: ChildBot) => Promise<void>): Promise<void> {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('languages');
  const bot = await startBot({
    env: botEnv(tg, gemini, db.url, { LOG_LEVEL: 'info', PORT: '0', ALLOWED_USER_IDS: `${RU},${EN}` }),
  });
  try {
    await run(tg, bot);
  } finally {
    await bot.kill('SIGTERM');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
}

test('a Russian Telegram user gets Russian texts, an English one English; /language switches and goes back to Auto', {
  timeout: 120_000,
}, async () => {
  await withBot(async (tg) => {
    const say = (chatId: number, text: string, languageCode: string) => {
      tg.sendUserMessage({ chatId, text, firstName: chatId === RU ? 'Аня' : 'Ann', languageCode });
      return tg.waitForBotMessage(chatId);
    };

    // /start: the one time-zone question, in the user's language, with the zone buttons and the help button.
    const ruStart = await say(RU, '/start', 'ru');
    assert.match(ruStart.text, /Здравствуйте, Аня! Я ваш личный помощник\./);
    assert.match(ruStart.text, /В каком вы часовом поясе\?/);
    const ruButtons = buttons(ruStart);
    assert.ok(
      ruButtons.some((b) => b.text === 'Москва' && b.data === 'sys:tz:Europe/Moscow'),
      'zone names in Russian',
    );
    assert.ok(ruButtons.some((b) => b.text === '❓ Что умеет бот?' && b.data === 'sys:help'));
    const enStart = await say(EN, '/start', 'en-US');
    assert.match(enStart.text, /Hi Ann! I'm your personal assistant\./);
    assert.match(enStart.text, /Which time zone are you in\?/);
    assert.doesNotMatch(enStart.text, CYRILLIC);
    assert.ok(buttons(enStart).some((b) => b.text === 'Moscow' && b.data === 'sys:tz:Europe/Moscow'));

    // A notice: a city the bot can't place; then a Russian city name it can.
    const notFound = await say(RU, 'Атлантида', 'ru');
    assert.match(notFound.text, /Не удалось найти часовой пояс для «Атлантида»/);
    const set = await say(RU, 'Новосибирск', 'ru');
    assert.match(set.text, /Часовой пояс: Asia\/Novosibirsk/);

    // /help: abilities, every command described in Russian, the private-chat footer.
    const ruHelp = await say(RU, '/help', 'ru');
    assert.match(ruHelp.text, /^Что я умею/);
    assert.match(ruHelp.text, /\/start — Начать: приветствие и ваш часовой пояс/);
    assert.match(ruHelp.text, /\/language — Язык моих сообщений/);
    for (const line of ruHelp.text.split('\n').filter((l) => l.startsWith('/'))) {
      assert.match(line, CYRILLIC, `described in Russian: ${line}`);
    }
    assert.match(ruHelp.text, /В группах упомяните меня/);
    const enHelp = await say(EN, '/help', 'en');
    assert.match(enHelp.text, /^What I can do/);
    assert.match(enHelp.text, /\/start — Set up: greeting and your time zone/);
    assert.doesNotMatch(enHelp.text, CYRILLIC);

    // A media notice: a sticker the bot can't read.
    const sticker = {
      sticker: {
        file_id: 's1',
        file_unique_id: 's1u',
        type: 'regular',
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
      },
    };
    tg.sendUserMessage({ chatId: RU, extra: sticker, languageCode: 'ru' });
    assert.match((await tg.waitForBotMessage(RU)).text, /^Отличный стикер! Но стикеры я читать не умею\./);
    tg.sendUserMessage({ chatId: EN, extra: sticker, languageCode: 'en' });
    assert.match((await tg.waitForBotMessage(EN)).text, /^Nice sticker! I can't read stickers/);

    // Another notice: /stop with nothing running.
    assert.equal((await say(RU, '/stop', 'ru')).text, 'Сейчас ничего не выполняется.');
    assert.equal((await say(EN, '/stop', 'en')).text, 'Nothing is running right now.');

    // /language: Auto (Русский) is marked; choosing English switches everything, though Telegram stays Russian.
    const menu = await say(RU, '/language', 'ru');
    assert.match(menu.text, /Я пишу вам на языке: Русский/);
    assert.deepEqual(buttons(menu), [
      { text: '✓ Авто (Русский)', data: 'sys:lang:auto' },
      { text: 'English', data: 'sys:lang:en' },
      { text: 'Русский', data: 'sys:lang:ru' },
    ]);
    tg.pressButton({ chatId: RU, messageId: menu.messageId, data: 'sys:lang:en', languageCode: 'ru' });
    await tg.waitFor(() => tg.callbackAnswers().find((a) => a.text === 'Language: English'), {
      label: 'toast in English',
    });
    const redrawn = await tg.waitFor(
      () => (tg.message(RU, menu.messageId)?.text?.includes('I write to you in English') ? true : undefined),
      { label: 'menu redrawn in English' },
    );
    assert.ok(redrawn);
    const enNow = await say(RU, '/settings', 'ru');
    assert.match(enNow.text, /Settings/);
    assert.match(enNow.text, /Language: English/);
    assert.doesNotMatch(enNow.text, CYRILLIC);
    assert.equal((await say(RU, '/stop', 'ru')).text, 'Nothing is running right now.');

    // Back to Auto (from the /settings button): Russian again, following Telegram.
    const langButton = buttons(enNow).find((b) => b.data === 'sys:set:lang');
    assert.equal(langButton?.text, '🗣 Language');
    tg.pressButton({ chatId: RU, messageId: enNow.messageId, data: 'sys:set:lang', languageCode: 'ru' });
    const menu2 = await tg.waitForBotMessage(RU, (m) => m.text.includes('I write to you in English'));
    assert.deepEqual(
      buttons(menu2).map((b) => b.text),
      ['Auto (Русский)', '✓ English', 'Русский'],
    );
    tg.pressButton({ chatId: RU, messageId: menu2.messageId, data: 'sys:lang:auto', languageCode: 'ru' });
    await tg.waitFor(() => tg.callbackAnswers().find((a) => a.text === 'Язык: Русский'), { label: 'toast in Russian' });
    const ruSettings = await say(RU, '/settings', 'ru');
    assert.match(ruSettings.text, /Настройки/);
    assert.match(ruSettings.text, /Язык: Авто \(Русский\)/);
    assert.match(ruSettings.text, /Часовой пояс: Asia\/Novosibirsk/);

    // Auto follows the Telegram app: the same user with an English app gets English.
    assert.equal((await say(RU, '/stop', 'en')).text, 'Nothing is running right now.');
  });
});

test('the bot profile and the command menus exist in Russian', { timeout: 120_000 }, async () => {
  await withBot(async (tg) => {
    await tg.waitFor(() => (tg.commands({ type: 'all_group_chats' }, 'ru').length > 0 ? true : undefined), {
      label: 'Russian menus registered',
    });
    assert.match(tg.description('ru'), /Я личный помощник/);
    assert.ok(tg.description('ru').length <= 512);
    assert.match(tg.shortDescription('ru'), /Личный помощник/);
    assert.ok(tg.shortDescription('ru').length <= 120);
    assert.match(tg.description(), /personal assistant/);
    for (const scope of [{ type: 'default' }, { type: 'all_private_chats' }, { type: 'all_group_chats' }]) {
      const en = tg.commands(scope);
      const ru = tg.commands(scope, 'ru');
      assert.deepEqual(
        ru.map((c) => c.command),
        en.map((c) => c.command),
        `same commands in ${scope.type}`,
      );
      for (const c of ru) assert.match(c.description, CYRILLIC, `/${c.command} described in Russian`);
      for (const c of en) assert.doesNotMatch(c.description, CYRILLIC);
    }
    assert.ok(tg.commands({ type: 'all_private_chats' }, 'ru').some((c) => c.command === 'language'));
    assert.ok(!tg.commands({ type: 'all_group_chats' }, 'ru').some((c) => c.command === 'language'));
  });
});

test('each person reads their own language: a Russian owner is asked in Russian about an English stranger', {
  timeout: 120_000,
}, async () => {
  const OWNER = 9201;
  const STRANGER = 9202;
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('languages-owner');
  const bot = await startBot({ env: botEnv(tg, gemini, db.url, { LOG_LEVEL: 'info', PORT: '0' }) });
  try {
    const line = await bot.waitForLog((_, json) => typeof json?.pairing_code === 'string', 15_000);
    const code = (JSON.parse(line) as { pairing_code: string }).pairing_code;
    tg.sendUserMessage({ chatId: OWNER, text: `/start ${code}`, firstName: 'Ольга', languageCode: 'ru' });
    assert.match((await tg.waitForBotMessage(OWNER)).text, /Теперь вы мой владелец\./);

    tg.sendUserMessage({ chatId: STRANGER, text: 'hello', firstName: 'Sam', languageCode: 'en-GB' });
    const waiting = await tg.waitForBotMessage(STRANGER);
    assert.match(waiting.text, /I've asked its owner for access/);
    const prompt = await tg.waitForBotMessage(OWNER, (m) => m.text.includes(`id ${STRANGER}`), { since: 'any' });
    assert.match(
      prompt.text,
      /^👤 Sam \[id 9202\] хочет пользоваться вашим помощником\. Пустить\? \(Запрос истечёт через 24 часа\.\)$/,
    );
    assert.deepEqual(
      buttons(prompt).map((b) => b.text),
      ['✅ Одобрить', '⛔ Отклонить'],
    );
    const approve = buttons(prompt)[0]?.data;
    assert.ok(approve);
    tg.pressButton({ chatId: OWNER, messageId: prompt.messageId, data: approve, languageCode: 'ru' });
    const welcome = await tg.waitForBotMessage(STRANGER, (m) => m.text.includes("You're in!"));
    assert.doesNotMatch(welcome.text, CYRILLIC);
    await tg.waitFor(
      () => (tg.message(OWNER, prompt.messageId)?.text === '✅ Sam: доступ одобрен.' ? true : undefined),
      { label: 'prompt closed in Russian' },
    );
  } finally {
    await bot.kill('SIGTERM');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
