/**
 * Issue 12, points 5, 6 and 8 (/help in groups), through the real entry point (src/main.ts as a child process) and
 * the transcripts a user sees: the start-up line that says how to claim the bot, the bot's description for the empty
 * chat, a /start that asks one question with the help one tap away, a short welcome back, command menus and /help
 * that differ between private chats and groups; and a stranger who mentions the bot in a group: one short notice
 * that promises no message the bot can't send, the owner asked, and /pending listing the request with its buttons.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type ChildBot, botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import {
  DEFAULT_BOT_USERNAME,
  type FakeTelegram,
  type TranscriptEntry,
  createFakeTelegram,
} from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const BOT = DEFAULT_BOT_USERNAME;
const OWNER = 8401;
const STRANGER = 8402;
const GROUP = -100_8403;
const PRIVATE_ONLY = ['/export', '/wipe', '/users', '/permissions'];

type Button = { text: string; data?: string; url?: string };
function buttons(m: TranscriptEntry | undefined): Button[] {
  const markup = m?.replyMarkup as
    | { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] }
    | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({
    text: b.text,
    ...(b.callback_data ? { data: b.callback_data } : {}),
    ...(b.url ? { url: b.url } : {}),
  }));
}

/** The pairing code printed at start (the `pairing_code` field of the start-up line). */
async function pairingCode(bot: ChildBot): Promise<string> {
  const line = await bot.waitForLog((_, json) => typeof json?.pairing_code === 'string', 15_000);
  return (JSON.parse(line) as { pairing_code: string }).pairing_code;
}

async function claim(tg: FakeTelegram, code: string): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId: OWNER, text: `/start ${code}`, firstName: 'Olga' });
  return tg.waitForBotMessage(OWNER);
}

/** A bot in owner mode on fresh fakes and database; `run` gets them, everything is closed afterwards. */
async function withBot(
  name: string,
  run: (parts: { tg: FakeTelegram; bot: ChildBot; restart: () => Promise<ChildBot>; dbUrl: string }) => Promise<void>,
): Promise<void> {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl(name);
  const env = botEnv(tg, gemini, db.url, { LOG_LEVEL: 'info', PORT: '0' });
  let bot = await startBot({ env });
  try {
    await run({
      tg,
      bot,
      dbUrl: db.url,
      restart: async () => {
        await bot.kill('SIGTERM');
        bot = await startBot({ env });
        return bot;
      },
    });
  } finally {
    await bot.kill('SIGTERM');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
}

test('start-up: one readable line says how to claim the bot, and the empty chat explains the bot', {
  timeout: 120_000,
}, async () => {
  await withBot('start-line', async ({ tg, bot, restart }) => {
    const line = await bot.waitForLog((_, json) => typeof json?.pairing_code === 'string', 15_000);
    const entry = JSON.parse(line) as { level: number; pairing_code: string; msg: string };
    assert.equal(entry.level, 30, 'info level');
    assert.match(entry.pairing_code, /^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    assert.ok(
      entry.msg.startsWith(
        `@${BOT} is running. Open t.me/${BOT} and send /start ${entry.pairing_code} to become its owner`,
      ),
      `readable start line, got: ${entry.msg}`,
    );

    // The description (empty chat) and short description (profile, shares) are set before anyone writes.
    assert.match(tg.description(), /personal assistant/);
    assert.ok(tg.description().length <= 512);
    assert.match(tg.shortDescription(), /personal assistant/);
    assert.ok(tg.shortDescription().length <= 120);
    const sets = () => tg.callsOf('setMyDescription').length + tg.callsOf('setMyShortDescription').length;
    assert.equal(sets(), 4, 'each set once, in English and in Russian');

    await claim(tg, entry.pairing_code);
    // Once owned: a plain line, no code; the descriptions are checked, not set again.
    const again = await restart();
    await again.waitForLog((_, json) => json?.msg === `@${BOT} is running.`, 15_000);
    assert.equal(again.jsonLogs().filter((j) => j.pairing_code !== undefined).length, 0, 'no code once owned');
    assert.equal(sets(), 4, 'nothing set again');
    assert.equal(tg.callsOf('getMyDescription').length, 4, 'checked at each start, per language');
  });
});

test('/start asks one short question first with the help one tap away; a returning user gets a short welcome back', {
  timeout: 120_000,
}, async () => {
  await withBot('start', async ({ tg, bot }) => {
    // The first owner's /start <code> flows straight into the one question.
    const first = await claim(tg, await pairingCode(bot));
    assert.match(first.text, /Hi Olga! You're my owner now\./);
    assert.match(first.text, /Which time zone are you in\?/);
    assert.match(first.text, /type your city/);
    assert.ok(first.text.length < 220, `short (${first.text.length} chars): ${first.text}`);
    assert.doesNotMatch(first.text, /What I can do|Commands|\/memory/, 'the full help is not in the first message');
    const offered = buttons(first);
    assert.ok(
      offered.some((b) => b.data === 'sys:tz:Europe/Berlin'),
      'common zones as buttons',
    );
    const help = offered.find((b) => b.text === '❓ What can you do?');
    assert.ok(help?.data, 'the full help is one button away');
    assert.equal(tg.botMessages(OWNER).length, 1, 'one message, nothing else');

    tg.pressButton({ chatId: OWNER, messageId: first.messageId, data: help.data, userId: OWNER, firstName: 'Olga' });
    const full = await tg.waitForBotMessage(OWNER, (m) => /What I can do/.test(m.text), { since: first.messageId });
    for (const c of ['/start', '/memory', '/jobs', '/pending', ...PRIVATE_ONLY])
      assert.ok(full.text.includes(c), `private help lists ${c}`);

    tg.pressButton({
      chatId: OWNER,
      messageId: first.messageId,
      data: 'sys:tz:Asia/Tokyo',
      userId: OWNER,
      firstName: 'Olga',
    });
    await tg.waitForBotMessage(OWNER, (m) => /Time zone set to Asia\/Tokyo/.test(m.text), { since: full.messageId });

    tg.sendUserMessage({ chatId: OWNER, text: '/start', firstName: 'Olga' });
    const back = await tg.waitForBotMessage(OWNER);
    assert.match(back.text, /Welcome back, Olga!/);
    assert.match(back.text, /Asia\/Tokyo/);
    assert.doesNotMatch(back.text, /Which time zone|What I can do|Commands/);
    assert.ok(back.text.length < 160, `short (${back.text.length} chars): ${back.text}`);
    assert.deepEqual(
      buttons(back).map((b) => b.text),
      ['❓ What can you do?', '🌍 Change time zone'],
    );
  });
});

test('command menus and /help in a group list only what works there', { timeout: 120_000 }, async () => {
  await withBot('menus', async ({ tg, bot }) => {
    await claim(tg, await pairingCode(bot));
    const privateMenu = tg.commands({ type: 'all_private_chats' }).map((c) => `/${c.command}`);
    const groupMenu = tg.commands({ type: 'all_group_chats' }).map((c) => `/${c.command}`);
    for (const c of PRIVATE_ONLY) {
      assert.ok(privateMenu.includes(c), `private menu has ${c}`);
      assert.ok(!groupMenu.includes(c), `group menu has no ${c}`);
    }
    for (const c of ['/help', '/new', '/stop', '/memory', '/jobs', '/pending'])
      assert.ok(groupMenu.includes(c), `group menu has ${c}`);

    tg.sendUserMessage({
      chatId: GROUP,
      chatType: 'supergroup',
      chatTitle: 'Book club',
      userId: OWNER,
      firstName: 'Olga',
      text: '/help',
    });
    const groupHelp = await tg.waitForBotMessage(GROUP, (m) => /What I can do/.test(m.text));
    for (const c of PRIVATE_ONLY)
      assert.ok(!new RegExp(`${c}\\b`).test(groupHelp.text), `group help has no ${c}: ${groupHelp.text}`);
    for (const c of ['/help', '/new', '/memory', '/jobs', '/pending'])
      assert.ok(groupHelp.text.includes(c), `group help lists ${c}`);

    tg.sendUserMessage({ chatId: OWNER, text: '/help', firstName: 'Olga' });
    const privateHelp = await tg.waitForBotMessage(OWNER, (m) => /What I can do/.test(m.text));
    for (const c of PRIVATE_ONLY) assert.ok(privateHelp.text.includes(c), `private help lists ${c}`);
  });
});

test('a stranger who mentions the bot in a group gets one short notice a day there, and the owner is asked', {
  timeout: 120_000,
}, async () => {
  await withBot('group-stranger', async ({ tg, bot, restart, dbUrl }) => {
    await claim(tg, await pairingCode(bot));
    const group = { chatId: GROUP, chatType: 'supergroup' as const, chatTitle: 'Book club' };

    tg.sendUserMessage({
      ...group,
      userId: STRANGER,
      firstName: 'Eve',
      text: `@${BOT} what is the capital of France?`,
    });
    const notice = await tg.waitForBotMessage(GROUP);
    assert.match(notice.text, /Hi Eve! I only help people my owner has approved, so I've asked Olga to let you in\./);
    assert.doesNotMatch(
      notice.text,
      /I'll message you|I will message you/,
      'no promise of a message the bot may not be allowed to send',
    );
    const link = buttons(notice).find((b) => b.url);
    assert.equal(
      link?.url,
      `https://t.me/${BOT}?start=access`,
      'a link to the private chat, where the answer can reach her',
    );

    const prompt = await tg.waitForBotMessage(
      OWNER,
      (m) => /would like to use your assistant in "Book club"/.test(m.text),
      { since: 'any' },
    );
    assert.match(prompt.text, /Eve/);
    assert.deepEqual(
      buttons(prompt).map((b) => b.text),
      ['✅ Approve', '⛔ Deny'],
    );

    // Asking again the same day: no second notice (the owner's /help, answered after it, shows it was handled).
    tg.sendUserMessage({ ...group, userId: STRANGER, firstName: 'Eve', text: `@${BOT} hello??` });
    tg.sendUserMessage({ ...group, userId: OWNER, firstName: 'Olga', text: '/help' });
    await tg.waitForBotMessage(GROUP, (m) => /What I can do/.test(m.text));
    const said = tg.botMessages(GROUP);
    assert.equal(said.length, 2, `one notice and the help, got: ${said.map((m) => m.text.slice(0, 40)).join(' | ')}`);
    assert.equal(said[0]!.messageId, notice.messageId);
    assert.equal(
      tg.botMessages(OWNER).filter((m) => /would like to use/.test(m.text)).length,
      1,
      'the owner is asked once',
    );

    // The link opens the private chat: there she hears she is waiting, and the owner's answer reaches her.
    tg.sendUserMessage({ chatId: STRANGER, firstName: 'Eve', text: '/start access' });
    const waiting = await tg.waitForBotMessage(STRANGER);
    assert.match(waiting.text, /still waiting for the owner's approval/);
    const approve = buttons(prompt).find((b) => b.text === '✅ Approve')!;
    tg.pressButton({
      chatId: OWNER,
      messageId: prompt.messageId,
      data: approve.data!,
      userId: OWNER,
      firstName: 'Olga',
    });
    await tg.waitForBotMessage(STRANGER, (m) => /You're in!/.test(m.text), { since: waiting.messageId });

    // Nothing the stranger wrote before approval was stored.
    await restart();
    const store = await createStore({ url: dbUrl, migrations });
    try {
      const rows = await store.query('SELECT payload FROM updates');
      assert.ok(rows.length > 0);
      for (const r of rows) assert.doesNotMatch(String(r.payload), /capital of France|hello\?\?/);
    } finally {
      await store.close();
    }
  });
});

test('/pending shows the owner open access requests with working Approve / Deny buttons', {
  timeout: 120_000,
}, async () => {
  await withBot('pending-access', async ({ tg, bot }) => {
    await claim(tg, await pairingCode(bot));
    tg.sendUserMessage({ chatId: STRANGER, firstName: 'Eve', text: 'hi, can I use you?' });
    await tg.waitForBotMessage(STRANGER, (m) => /asked its owner/.test(m.text));
    const prompt = await tg.waitForBotMessage(OWNER, (m) => /would like to use your assistant/.test(m.text), {
      since: 'any',
    });

    tg.sendUserMessage({ chatId: OWNER, text: '/pending', firstName: 'Olga' });
    const copy = await tg.waitForBotMessage(OWNER, (m) => buttons(m).length > 0);
    const listed = tg.botMessages(OWNER).filter((m) => m.messageId > prompt.messageId);
    assert.match(listed[0]!.text, /One person asks to use your assistant/);
    assert.match(copy.text, /Eve \[id 8402\] would like to use your assistant/);
    assert.match(copy.text, /expires in 2[34] hours/);
    assert.deepEqual(
      buttons(copy).map((b) => b.text),
      ['✅ Approve', '⛔ Deny'],
    );
    const deny = buttons(copy).find((b) => b.text === '⛔ Deny')!;
    assert.match(deny.data ?? '', new RegExp(`^sys:acc:n:${STRANGER}:\\d+$`), 'the versioned access callback data');
    assert.ok(!listed.some((m) => /Nothing is waiting/.test(m.text)), 'no "nothing is waiting" next to a request');

    tg.pressButton({ chatId: OWNER, messageId: copy.messageId, data: deny.data!, userId: OWNER, firstName: 'Olga' });
    await tg.waitFor(() => tg.callbackAnswers().some((a) => a.text === '⛔ Denied Eve.'));
    // Both copies lose their buttons: the decision is made.
    for (const id of [prompt.messageId, copy.messageId]) {
      await tg.waitFor(() => buttons(tg.botMessages(OWNER).find((m) => m.messageId === id)).length === 0, {
        label: `buttons of ${id} removed`,
      });
    }
    await tg.waitForBotMessage(STRANGER, (m) => /declined/.test(m.text), { since: 'any' });

    // Nothing left: /pending says so.
    tg.sendUserMessage({ chatId: OWNER, text: '/pending', firstName: 'Olga' });
    assert.match((await tg.waitForBotMessage(OWNER)).text, /Nothing is waiting/);
  });
});
