/**
 * The streaming reply of a voice turn: previews never show the raw `<transcript>` marker (however the stream cuts
 * it), show the transcript as "🎙 “…”" when the user wants it, hide it otherwise, and the final answer matches.
 */
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
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

const silent = pino({ level: 'silent' });
const usage: TurnOutcome['usage'] = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

let db: TempDb;
let store: Store;
let fake: FakeTelegram;
const cleanups: (() => void | Promise<void>)[] = [];

before(async () => {
  db = tempDbUrl('stream-voice');
  store = await createStore({ url: db.url, migrations: [outboxMigration] });
});
after(async () => {
  await store.close();
  await db.cleanup();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
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
  });
  cleanups.push(() => fake.close());
  cleanups.push(() => limiter.close());
  const reply = (o: Pick<StreamingReplyOptions, 'chat' | 'transcript'> & Partial<StreamingReplyOptions>) =>
    createStreamingReply({
      outbox,
      clock: systemClock,
      log: silent,
      mode: 'edit',
      previewIntervalMs: 10,
      firstPreviewDelayMs: 0,
      typingIntervalMs: 50,
      ...o,
    });
  return Object.assign(reply, { outbox });
}

/** Every text the chat was sent or edited to, in order. */
function shownTexts(chatId: number): string[] {
  return fake.calls
    .filter(
      (c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && Number(c.payload.chat_id) === chatId,
    )
    .map((c) => String(c.payload.text));
}

const waitPreview = (chatId: number, text: string) =>
  fake.waitFor(() => fake.botMessages(chatId)[0]?.text === text || undefined, { label: `preview "${text}"` });

describe('streaming reply of a voice turn', () => {
  it('show: the transcript grows in the preview as "🎙 “…", never as raw tags, and heads the final answer', async () => {
    const reply = await setup();
    const chatId = -901;
    const r = reply({ chat: { chatId, type: 'supergroup' }, transcript: 'show' });
    r.onEvent({ type: 'text-delta', agent: 'assistant', text: '<trans' });
    r.onEvent({ type: 'text-delta', agent: 'assistant', text: 'cript>Call <mom> at fi' });
    await waitPreview(chatId, '🎙 “Call <mom> at fi…');
    r.onEvent({ type: 'text-delta', agent: 'assistant', text: 've</transcr' });
    await waitPreview(chatId, '🎙 “Call <mom> at five…');
    r.onEvent({ type: 'text-delta', agent: 'assistant', text: 'ipt>\nSure, **five** it is' });
    await waitPreview(chatId, '🎙 “Call <mom> at five”\n\nSure, five it is');
    const d = await r.finish({
      status: 'done',
      text: 'Sure, **five** it is.',
      usage,
      transcript: 'Call <mom> at five',
    });
    assert.ok(d.ok, JSON.stringify(d));
    const [final] = fake.botMessages(chatId);
    assert.equal(fake.botMessages(chatId).length, 1);
    assert.equal(final?.text, '🎙 “Call <mom> at five”\n\nSure, five it is.');
    assert.equal(final?.html, '🎙 <i>“Call &lt;mom&gt; at five”</i>\n\nSure, <b>five</b> it is.');
    for (const text of shownTexts(chatId)) assert.doesNotMatch(text, /transc|&lt;\/?tr/i, text);
  });

  it('hide: neither the transcript nor the marker is ever shown', async () => {
    const reply = await setup();
    const chatId = -902;
    const r = reply({ chat: { chatId, type: 'supergroup' }, transcript: 'hide' });
    r.onEvent({ type: 'text-delta', agent: 'assistant', text: '<transcript>Call mom at fi' });
    r.onEvent({ type: 'text-delta', agent: 'assistant', text: 've</transcript>\nSure' });
    await waitPreview(chatId, 'Sure');
    const d = await r.finish({ status: 'done', text: 'Sure, five it is.', usage, transcript: 'Call mom at five' });
    assert.ok(d.ok, JSON.stringify(d));
    assert.equal(fake.botMessages(chatId)[0]?.text, 'Sure, five it is.');
    for (const text of shownTexts(chatId)) assert.doesNotMatch(text, /transc|mom|🎙/i, text);
  });

  it('a voice answer without the marker streams and ends as it is', async () => {
    const reply = await setup();
    const chatId = -903;
    const r = reply({ chat: { chatId, type: 'supergroup' }, transcript: 'show' });
    r.onEvent({ type: 'text-delta', agent: 'assistant', text: 'Sure, five' });
    await waitPreview(chatId, 'Sure, five');
    const d = await r.finish({ status: 'done', text: 'Sure, five it is.', usage });
    assert.ok(d.ok, JSON.stringify(d));
    assert.equal(fake.botMessages(chatId)[0]?.text, 'Sure, five it is.');
  });

  it('suspended for approval: the transcript stands alone (not as the final answer); hidden, the preview just goes', async () => {
    const reply = await setup();
    const STOP = [[{ text: '⏹ Stop', data: 'sys:stop:1' }]];
    const r1 = reply({ chat: { chatId: -904, type: 'supergroup' }, transcript: 'show', stopKeyboard: STOP });
    r1.onEvent({ type: 'text-delta', agent: 'assistant', text: '<transcript>Delete the milk reminder</transcript>' });
    await waitPreview(-904, '🎙 “Delete the milk reminder”');
    await r1.finish({ status: 'suspended', text: '', usage, transcript: 'Delete the milk reminder' });
    const [edited] = fake.botMessages(-904);
    assert.equal(edited?.text, '🎙 “Delete the milk reminder”');
    assert.equal(edited?.replyMarkup, undefined, 'no Stop button left');

    // Drafts (private chats): sent as a message of its own, under a key that is not the turn's final answer.
    const r2 = reply({
      chat: { chatId: 905, type: 'private' },
      mode: 'draft',
      transcript: 'show',
      dedupeKey: 'turn:905:final',
    });
    await r2.finish({ status: 'suspended', text: '', usage, transcript: 'Delete the milk reminder' });
    assert.equal(fake.botMessages(905)[0]?.text, '🎙 “Delete the milk reminder”');
    assert.equal(await reply.outbox.wasDelivered('turn:905:final'), false, 'a restart still runs the turn');

    const r3 = reply({ chat: { chatId: -906, type: 'supergroup' }, transcript: 'hide', stopKeyboard: STOP });
    r3.onEvent({ type: 'tool-start', agent: 'assistant', tool: 'remove_item', callId: 'c', args: {} });
    await fake.waitForBotMessage(-906, undefined, { since: 'any' });
    await r3.finish({ status: 'suspended', text: '', usage, transcript: 'Delete the milk reminder' });
    assert.equal(fake.botMessages(-906).length, 0, 'preview deleted; the approval prompt comes separately');
  });
});
