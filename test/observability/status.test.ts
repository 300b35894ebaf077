/**
 * Issue 18: the owner's /status through the whole app (version, uptime, DB size, queue, last errors, model calls in
 * the last hour); another user is told politely it is the owner's, in their language.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { formatBytes, formatUptime } from '../../src/telegram/features/status.ts';
import { ROUTER_MODEL, roleOf } from '../e2e/acceptance-support.ts';
import { repoRoot } from '../support/child-bot.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';

const OWNER = 7301;
const OTHER = 7302;
let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;
const version = (JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string }).version;

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  gemini.setHandler((req) => (roleOf(req) === 'router' ? { text: 'Hi! How can I help?' } : { text: '[]' }));
  app = await startWholeApp({
    tg,
    gemini,
    allowedUserIds: [OWNER, OTHER],
    env: { GEMINI_ROUTER_MODEL: ROUTER_MODEL },
    llmRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
});

after(async () => {
  await app?.close();
  await tg?.close();
  await gemini?.close();
});

test('the owner sees version, uptime, DB size, queue, last errors and model calls of the last hour', async () => {
  tg.sendUserMessage({ chatId: OWNER, text: 'Hello there' });
  await tg.waitForBotMessage(OWNER, (m) => /How can I help/.test(m.text), { timeoutMs: 15_000 });
  // A failed turn leaves its error code in the ring.
  gemini.failNext(1, { status: 400, message: 'Invalid argument' });
  tg.sendUserMessage({ chatId: OWNER, text: 'And now?' });
  await tg.waitForBotMessage(OWNER, (m) => m.text !== 'Hi! How can I help?' && m.messageId > 2, { timeoutMs: 15_000 });
  let status = '';
  // The usage rows are written in the background: ask again until the model calls show.
  for (let i = 0; i < 50 && !/Model calls in the last hour: [1-9]/.test(status); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 50));
    const asked = tg.sendUserMessage({ chatId: OWNER, text: '/status' }).message?.message_id ?? 0;
    status = (await tg.waitForBotMessage(OWNER, (m) => m.messageId > asked && /Bot status/.test(m.text))).text;
  }
  assert.match(status, new RegExp(`^Version: ${version.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(status, /^Running for: \d+ (s|min)/m);
  assert.match(status, /^Database: [\d.,]+ (KB|MB)$/m);
  assert.match(status, /^Queue: 1 running, 0 waiting$/m, 'the /status update itself is running');
  assert.match(status, new RegExp(`^• ${ROUTER_MODEL}: 2 calls, 1 failed$`, 'm'));
  assert.match(status, /^Last errors:\n• llm_\w+: once, last at \d\d:\d\d$/m);
});

test('another user is told politely that /status is the owner’s, in their language', async () => {
  tg.sendUserMessage({ chatId: OTHER, text: '/status', languageCode: 'ru' });
  const reply = await tg.waitForBotMessage(OTHER, () => true);
  assert.equal(reply.text, 'Состояние бота видит только владелец. Наберите /help, чтобы узнать, что я умею.');
});

test('/status is in the command menu and in /help, marked as the owner’s', async () => {
  assert.ok(
    tg.commands().some((c) => c.command === 'status' && c.description.startsWith('Owner:')),
    'menu entry',
  );
  const asked = tg.sendUserMessage({ chatId: OTHER, text: '/help' }).message?.message_id ?? 0;
  const help = await tg.waitForBotMessage(OTHER, (m) => m.messageId > asked);
  assert.match(help.text, /\/status/);
});

test('uptime and sizes read naturally in both languages', () => {
  assert.equal(formatUptime(42, 'en'), '42 s');
  assert.equal(formatUptime(3 * 86_400 + 4 * 3600 + 5, 'ru'), '3 д 4 ч');
  assert.equal(formatBytes(512, 'en'), '512 B');
  assert.equal(formatBytes(3.5 * 1024 * 1024, 'ru'), '3,5 МБ');
});
