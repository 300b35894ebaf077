import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Bot } from 'grammy';
import { pino } from 'pino';
import { systemClock } from '../../src/core/clock.ts';
import type { TurnOutcome } from '../../src/core/turn.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { outboxMigration } from '../../src/store/migrations/003-outbox.ts';
import { createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { type StreamingReplyOptions, createStreamingReply } from '../../src/telegram/stream-reply.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const silent = pino({ level: 'silent' });
const STOP = [[{ text: '⏹ Stop', data: 'sys:stop:t1' }]];
const usage: TurnOutcome['usage'] = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
const done = (text: string, extra: Partial<TurnOutcome> = {}): TurnOutcome => ({
  status: 'done',
  text,
  usage,
  ...extra,
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: TempDb;
let store: Store;
let fake: FakeTelegram;
const cleanups: (() => void | Promise<void>)[] = [];

before(async () => {
  db = tempDbUrl('stream');
  store = await createStore({ url: db.url, migrations: [outboxMigration] });
});
after(async () => {
  await store.close();
  await db.cleanup();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(textLimit?: number) {
  fake = await createFakeTelegram();
  const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botUser });
  const limiter = createRateLimiter({
    clock: systemClock,
    privatePerSec: 1000,
    groupPerMin: 60_000,
    globalPerSec: 1000,
    lightIntervalMs: 20,
  });
  const outbox = createTelegramOutbox({
    api: bot.api,
    store,
    clock: systemClock,
    log: silent,
    limiter,
    retry: { baseDelayMs: 5, maxDelayMs: 10 },
    ...(textLimit ? { textLimit } : {}),
  });
  cleanups.push(() => fake.close());
  cleanups.push(() => limiter.close());
  const reply = (o: Partial<StreamingReplyOptions> & Pick<StreamingReplyOptions, 'chat' | 'mode'>) =>
    createStreamingReply({
      outbox,
      clock: systemClock,
      log: silent,
      previewIntervalMs: 30,
      firstPreviewDelayMs: 0,
      typingIntervalMs: 50,
      typingDelayMs: 0,
      ...o,
    });
  return { outbox, reply };
}

const callIndex = (method: string, chatId: number) =>
  fake.calls.flatMap((c, i) =>
    c.method === method && Number(c.payload.chat_id) === chatId && c.status === 200 ? [i] : [],
  );

describe('streaming reply: edit mode (groups)', () => {
  it('previews with a Stop button and a tool status line, then edits the preview into the final answer', async () => {
    const { reply } = await setup();
    const chatId = -700;
    const user = fake.sendUserMessage({ chatId, text: '@assistant_test_bot weather?' });
    const r = reply({
      chat: { chatId, type: 'supergroup' },
      mode: 'edit',
      stopKeyboard: STOP,
      replyTo: user.message?.message_id ?? 0,
    });
    r.onEvent({ type: 'text-delta', agent: 'router', text: 'Let me **check' });
    const preview = await fake.waitForBotMessage(chatId, (m) => m.text.startsWith('Let me'));
    assert.deepEqual(preview.replyMarkup, { inline_keyboard: [[{ text: '⏹ Stop', callback_data: 'sys:stop:t1' }]] });
    assert.equal(preview.replyToMessageId, user.message?.message_id);
    r.onEvent({ type: 'tool-start', agent: 'router', tool: 'web_search', callId: 'c1', args: {} });
    await fake.waitFor(() => fake.botMessages(chatId)[0]?.text.includes('🔎 Searching the web…') || undefined, {
      label: 'status line',
    });
    r.onEvent({ type: 'tool-result', agent: 'router', tool: 'web_search', callId: 'c1', ok: true, summary: 'ok' });
    r.onEvent({ type: 'text-delta', agent: 'router', text: ' the forecast**.' });
    await pause(80);
    const final = 'Let me **check the forecast**.\n\nTomorrow: sunny, 24 °C.';
    const d = await r.finish(done(final, { keyboard: [[{ text: '🔁 Retry', data: 'sys:retry:t1' }]] }));
    assert.ok(d.ok, JSON.stringify(d));
    const messages = fake.botMessages(chatId);
    assert.equal(messages.length, 1, 'the preview became the answer: no second message, no duplicate text');
    assert.equal(messages[0]?.text, 'Let me check the forecast.\n\nTomorrow: sunny, 24 °C.');
    assert.deepEqual(
      messages[0]?.replyMarkup,
      { inline_keyboard: [[{ text: '🔁 Retry', callback_data: 'sys:retry:t1' }]] },
      'Stop replaced',
    );
    assert.ok((messages[0]?.edits ?? 0) >= 2, 'streamed through edits');
    const edits = fake.calls.filter((c) => c.method === 'editMessageText' && c.status === 200);
    assert.equal(
      edits.at(-1)?.payload.text,
      messages[0] && fake.transcript(chatId).at(-1)?.html,
      'the last edit is the final answer',
    );
    const typingBefore = fake.chatActions(chatId).length;
    assert.ok(typingBefore >= 1, 'typing was sent');
    await pause(120);
    assert.equal(fake.chatActions(chatId).length, typingBefore, 'typing stops after the final answer');
    assert.equal(
      fake.calls.filter((c) => c.method === 'editMessageText').length,
      edits.length,
      'no edit after the final',
    );
  });

  it('a long final answer edits the preview into part 1 and sends the rest after it, text not duplicated', async () => {
    const { reply } = await setup(300);
    const chatId = -701;
    const r = reply({ chat: { chatId, type: 'group' }, mode: 'edit', stopKeyboard: STOP });
    r.onEvent({ type: 'text-delta', agent: 'helper', text: 'Part one begins' });
    await fake.waitForBotMessage(chatId, undefined, { since: 'any' });
    const paragraphs = Array.from({ length: 6 }, (_, i) => `Paragraph ${i}: ${'text '.repeat(20).trim()}`);
    const d = await r.finish(done(paragraphs.join('\n\n')));
    assert.ok(d.ok, JSON.stringify(d));
    const messages = fake.botMessages(chatId);
    assert.deepEqual(
      messages.map((m) => m.messageId),
      d.messageIds,
    );
    assert.ok(messages.length >= 3, `split into ${messages.length}`);
    assert.equal(messages.map((m) => m.text).join('\n\n'), paragraphs.join('\n\n'));
    assert.ok(
      messages.every((m) => m.replyMarkup === undefined),
      'no Stop button left anywhere',
    );
  });

  it('finishing while a preview edit is in flight: the final still comes last', async () => {
    const { reply } = await setup();
    const chatId = -702;
    const r = reply({ chat: { chatId, type: 'group' }, mode: 'edit', stopKeyboard: STOP });
    r.onEvent({ type: 'text-delta', agent: 'a', text: 'first' });
    await fake.waitForBotMessage(chatId, undefined, { since: 'any' });
    fake.delayNext('editMessageText', 150);
    r.onEvent({ type: 'text-delta', agent: 'a', text: ' second' });
    await fake.waitForCall('editMessageText');
    r.onEvent({ type: 'text-delta', agent: 'a', text: ' third (queued, must be dropped)' });
    const d = await r.finish(done('The final answer.'));
    assert.ok(d.ok, JSON.stringify(d));
    await pause(60);
    const m = fake.botMessages(chatId);
    assert.equal(m.length, 1);
    assert.equal(m[0]?.text, 'The final answer.');
    const edits = fake.calls.filter((c) => c.method === 'editMessageText');
    assert.match(String(edits.at(-1)?.payload.text), /The final answer\./, 'the final edit is the last edit');
  });

  it('an empty final answer says so honestly; a suspended turn with no text removes the preview', async () => {
    const { reply } = await setup();
    const r1 = reply({ chat: { chatId: -703, type: 'group' }, mode: 'edit' });
    const d1 = await r1.finish(done(''));
    assert.ok(d1.ok, JSON.stringify(d1));
    assert.match(fake.botMessages(-703)[0]?.text ?? '', /came back empty\. Please try again/);
    const r2 = reply({ chat: { chatId: -704, type: 'group' }, mode: 'edit', stopKeyboard: STOP });
    r2.onEvent({ type: 'tool-start', agent: 'router', tool: 'delete_file', callId: 'c', args: {} });
    await fake.waitForBotMessage(-704, undefined, { since: 'any' });
    const d2 = await r2.finish({ status: 'suspended', text: '', usage });
    assert.deepEqual(d2, { ok: true, messageIds: [] });
    assert.equal(fake.botMessages(-704).length, 0, 'preview deleted; the approval prompt comes separately');
  });
});

describe('streaming reply: draft mode (private chats)', () => {
  it('streams drafts with one stable draft id, then sends the final with sendMessage, last', async () => {
    const { reply } = await setup();
    const chatId = 801;
    const r = reply({
      chat: { chatId, type: 'private' },
      mode: 'draft',
      stopKeyboard: STOP,
      dedupeKey: 'reply:turn-801',
    });
    r.onEvent({ type: 'text-delta', agent: 'router', text: 'Hello' });
    await fake.waitFor(() => fake.drafts(chatId).length >= 1 || undefined, { label: 'first draft' });
    r.onEvent({ type: 'text-delta', agent: 'router', text: ' there, **friend**' });
    await fake.waitFor(() => fake.drafts(chatId).some((d) => d.text === 'Hello there, friend') || undefined, {
      label: 'second draft',
    });
    r.onEvent({ type: 'text-delta', agent: 'router', text: '!' });
    const d = await r.finish(done('Hello there, **friend**!'));
    assert.ok(d.ok, JSON.stringify(d));
    const drafts = fake.drafts(chatId);
    assert.ok(drafts.length >= 2, 'drafts streamed');
    assert.equal(new Set(drafts.map((x) => x.draftId)).size, 1, 'one stable draft id');
    assert.notEqual(drafts[0]?.draftId, 0);
    const messages = fake.botMessages(chatId);
    assert.equal(messages.length, 1, 'one final message, no duplicates');
    assert.equal(messages[0]?.text, 'Hello there, friend!');
    assert.equal(messages[0]?.replyMarkup, undefined);
    const lastDraft = Math.max(...callIndex('sendMessageDraft', chatId));
    const [finalCall] = callIndex('sendMessage', chatId);
    assert.ok(finalCall !== undefined && finalCall > lastDraft, 'the final message comes after every draft');
    assert.ok(fake.chatActions(chatId).includes('typing'), 'typing was sent');
    assert.equal(callIndex('editMessageText', chatId).length, 0, 'no edits in draft mode');
    // The final is deduped: finishing again (or a resumed turn) does not post twice.
    assert.deepEqual(await r.finish(done('Hello there, **friend**!')), d);
  });

  it('falls back to an edited preview when drafts are refused', async () => {
    const { reply } = await setup();
    const chatId = 802;
    fake.failNext('sendMessageDraft', {
      error_code: 400,
      description: 'Bad Request: method is not available for this chat',
    });
    const r = reply({ chat: { chatId, type: 'private' }, mode: 'draft', stopKeyboard: STOP });
    r.onEvent({ type: 'text-delta', agent: 'router', text: 'Working on it' });
    const preview = await fake.waitForBotMessage(chatId, undefined, { since: 'any' });
    assert.ok(preview.replyMarkup, 'the fallback preview carries the Stop button');
    const d = await r.fail('Something went wrong. Tap Retry to try again.', [
      [{ text: '🔁 Retry', data: 'sys:retry:x' }],
    ]);
    assert.ok(d.ok, JSON.stringify(d));
    const messages = fake.botMessages(chatId);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.text, 'Something went wrong. Tap Retry to try again.');
    assert.deepEqual(messages[0]?.replyMarkup, {
      inline_keyboard: [[{ text: '🔁 Retry', callback_data: 'sys:retry:x' }]],
    });
  });

  it('a quick answer (before the first preview is due) arrives as one message with no preview', async () => {
    const { reply } = await setup();
    const r = reply({ chat: { chatId: 803, type: 'private' }, mode: 'edit', firstPreviewDelayMs: 5000 });
    r.onEvent({ type: 'text-delta', agent: 'router', text: 'Quick' });
    const d = await r.finish(done('Quick answer.'));
    assert.ok(d.ok, JSON.stringify(d));
    assert.deepEqual(
      fake.botMessages(803).map((m) => m.text),
      ['Quick answer.'],
    );
    assert.equal(callIndex('editMessageText', 803).length, 0);
  });

  it('typing starts only once the answer takes longer than the typing delay', async () => {
    const { reply } = await setup();
    // The reply's timers on a manual clock: the delay is exact, whatever the machine's load.
    const clock = createManualClock();
    const opts = { mode: 'draft', clock, typingDelayMs: 300, previewIntervalMs: 60_000 } as const;
    const quick = reply({ ...opts, chat: { chatId: 804, type: 'private' } });
    assert.ok((await quick.finish(done('At once.'))).ok);
    await clock.advance(5000);
    await pause(30);
    assert.deepEqual(fake.chatActions(804), [], 'an answer within the delay needs no typing');

    const slow = reply({ ...opts, chat: { chatId: 805, type: 'private' } });
    await clock.advance(299);
    await pause(30);
    assert.deepEqual(fake.chatActions(805), [], 'nothing before the delay');
    await clock.advance(1);
    await fake.waitFor(() => fake.chatActions(805).length >= 1 || undefined, { label: 'typing after the delay' });
    assert.ok((await slow.finish(done('Took a while.'))).ok);
    const sent = fake.chatActions(805).length;
    await clock.advance(60_000);
    await pause(30);
    assert.equal(fake.chatActions(805).length, sent, 'typing stops with the final answer');
  });
});
