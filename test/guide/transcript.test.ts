/** The transcript renderer (test/support/transcript.ts) and the guide's assembly (test/guide/guide-doc.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageEntity } from 'grammy/types';
import { type ButtonPress, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { type ChatRecord, formatEntities, renderChat, renderTranscript } from '../support/transcript.ts';
import { renderGuide } from './guide-doc.ts';
import { SCREENS, type ScreenFragment } from './screens.ts';

const entry = (
  messageId: number,
  from: 'bot' | 'user',
  text: string,
  extra: Partial<TranscriptEntry> = {},
): TranscriptEntry => ({
  messageId,
  from,
  text,
  entities: [],
  edits: 0,
  deleted: false,
  date: 0,
  kind: 'text',
  ...(from === 'user' ? { userId: 7 } : {}),
  ...extra,
});

const keyboard = (...rows: [text: string, data: string][][]) => ({
  inline_keyboard: rows.map((row) => row.map(([text, data]) => ({ text, callback_data: data }))),
});

test('formatting: simple markers, hugging the text, nested in order, links and quotes', () => {
  const text = 'Bold and italic code link\nquoted line one\nline two';
  const entities: MessageEntity[] = [
    { type: 'bold', offset: 0, length: 5 }, // "Bold " (trailing space stays outside)
    { type: 'italic', offset: 0, length: 15 }, // "Bold and italic"
    { type: 'code', offset: 16, length: 4 },
    { type: 'text_link', offset: 21, length: 4, url: 'https://example.org/' },
    { type: 'blockquote', offset: 26, length: 24 },
    { type: 'mention', offset: 0, length: 4 }, // not formatting: no marker
  ];
  assert.equal(
    formatEntities(text, entities),
    '_*Bold* and italic_ `code` link (https://example.org/)\n> quoted line one\n> line two',
  );
  assert.equal(
    formatEntities('see https://x.org', [{ type: 'text_link', offset: 4, length: 13, url: 'https://x.org' }]),
    'see https://x.org',
  );
});

test('a chat: taps with toasts, the tapped message before and after, edits, deletions, range and masks', () => {
  const record: ChatRecord = {
    chatType: 'private',
    names: { 7: 'Olga' },
    messages: [
      entry(1, 'user', 'setup'),
      entry(2, 'user', 'Delete my reminder, code ABC-123'),
      entry(3, 'bot', '✅ Deleted.', { edits: 1 }),
      entry(4, 'bot', 'a preview', { deleted: true }),
      entry(5, 'bot', 'Anything else?'),
    ],
    presses: [],
    answers: [{ callbackQueryId: 'q1', text: 'Deleting…', showAlert: false, at: 0 }],
  };
  const prompt = entry(3, 'bot', 'Delete “stretch”?', {
    replyMarkup: keyboard([
      ['Delete', 'd'],
      ['Keep', 'k'],
    ]),
  });
  const press: ButtonPress = {
    chatId: 7,
    messageId: 3,
    data: 'd',
    userId: 7,
    firstName: 'Olga',
    callbackQueryId: 'q1',
    afterMessageId: 3,
    message: prompt,
  };
  record.presses.push(press);
  const text = renderChat(record, { afterMessageId: 1, mask: [['ABC-123', 'XYZ-000']] });
  assert.equal(
    text,
    [
      '👤 You: Delete my reminder, code XYZ-000',
      '🤖 Bot: Delete “stretch”?',
      '        [Delete] [Keep]',
      '👤 You tap [Delete]',
      '        (toast: Deleting…)',
      '🤖 Bot (edited): ✅ Deleted.',
      '🤖 Bot: Anything else?',
    ].join('\n'),
  );
  assert.ok(
    !renderChat(record, { untilMessageId: 2 }).includes('Bot'),
    'untilMessageId ends the range, taps after it too',
  );
  // A mark taken after the tap (no message came since) leaves the tap out; one taken before it keeps it.
  assert.equal(renderChat(record, { afterMessageId: 3, afterPresses: 1 }), '🤖 Bot: Anything else?');
  assert.match(renderChat(record, { afterMessageId: 3, afterPresses: 0 }), /^👤 You tap \[Delete\]/);

  // In a group, people are named; an edited message that nobody tapped shows its final state, marked.
  const group: ChatRecord = {
    chatType: 'supergroup',
    names: { 7: 'Olga' },
    messages: [entry(1, 'user', 'hi bot'), entry(2, 'bot', 'Hello!\nHow can I help?', { edits: 2 })],
    presses: [],
    answers: [],
  };
  assert.equal(renderChat(group), '👤 Olga: hi bot\n🤖 Bot: Hello!\n        How can I help? (edited)');
});

test('a tap that only took the buttons away, and one whose message was removed', () => {
  const failed = entry(2, 'bot', 'Something went wrong. Tap Retry.', { replyMarkup: keyboard([['🔁 Retry', 'r']]) });
  const record: ChatRecord = {
    chatType: 'private',
    names: {},
    messages: [
      entry(1, 'user', 'Tell me a joke'),
      { ...failed, replyMarkup: undefined, edits: 0 },
      entry(3, 'bot', 'Card', { deleted: true }),
    ],
    presses: [
      {
        chatId: 7,
        messageId: 2,
        data: 'r',
        userId: 7,
        firstName: 'Olga',
        callbackQueryId: 'q1',
        afterMessageId: 2,
        message: failed,
      },
      {
        chatId: 7,
        messageId: 3,
        data: 'c',
        userId: 7,
        firstName: 'Olga',
        callbackQueryId: 'q2',
        afterMessageId: 3,
        message: entry(3, 'bot', 'Card', { replyMarkup: keyboard([['✖️ Cancel', 'c']]) }),
      },
    ],
    answers: [{ callbackQueryId: 'q2', text: 'Cancelled', showAlert: true, at: 0 }],
  };
  assert.equal(
    renderChat(record),
    [
      '👤 You: Tell me a joke',
      '🤖 Bot: Something went wrong. Tap Retry.',
      '        [🔁 Retry]',
      '👤 You tap [🔁 Retry]',
      '🤖 Bot (edited): buttons removed',
      '🤖 Bot: Card',
      '        [✖️ Cancel]',
      '👤 You tap [✖️ Cancel]',
      '        (alert: Cancelled)',
      '🤖 Bot removed that message.',
    ].join('\n'),
  );
});

test('from the fake Telegram: HTML, buttons, a press, its toast and the edit after it', async () => {
  const tg = await createFakeTelegram();
  try {
    const call = async (method: string, body: Record<string, unknown>) => {
      const res = await fetch(`${tg.apiRoot}/bot${tg.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { ok: boolean; result: unknown; description?: string };
      assert.ok(json.ok, `${method}: ${json.description}`);
      return json.result as { message_id: number };
    };
    tg.sendUserMessage({ chatId: 42, text: '/start', firstName: 'Olga' });
    const sent = await call('sendMessage', {
      chat_id: 42,
      text: '<b>Which time zone?</b> Tap one.',
      parse_mode: 'HTML',
      reply_markup: keyboard([
        ['Berlin', 'tz:b'],
        ['Tokyo', 'tz:t'],
      ]),
    });
    const update = tg.pressButton({ chatId: 42, messageId: sent.message_id, data: 'tz:b' });
    await call('answerCallbackQuery', {
      callback_query_id: update.callback_query?.id,
      text: 'Time zone: Europe/Berlin',
    });
    await call('editMessageText', { chat_id: 42, message_id: sent.message_id, text: '✅ Europe/Berlin' });
    assert.equal(
      renderTranscript(tg, 42),
      [
        '👤 You: /start',
        '🤖 Bot: *Which time zone?* Tap one.',
        '        [Berlin] [Tokyo]',
        '👤 You tap [Berlin]',
        '        (toast: Time zone: Europe/Berlin)',
        '🤖 Bot (edited): ✅ Europe/Berlin',
      ].join('\n'),
    );
  } finally {
    await tg.close();
  }
});

test('the guide: every screen in order with its caption; a missing screen is named', () => {
  const fragments: ScreenFragment[] = SCREENS.map((s) => ({ id: s.id, parts: [{ transcript: `👤 You: ${s.id}` }] }));
  const first = fragments[0];
  assert.ok(first);
  first.parts = [
    { heading: 'One chat', transcript: '```\nnot a fence' },
    { heading: 'Another', transcript: '🤖 Bot: hi' },
  ];
  const md = renderGuide(fragments);
  assert.match(md, /^# Chat guide\n/);
  assert.match(md, /npm run guide/);
  assert.match(
    md,
    /\*\*One chat\*\*\n\n````text\n```\nnot a fence\n````/,
    'a longer fence around a transcript with backticks',
  );
  const positions = SCREENS.map((s) => md.indexOf(`👤 You: ${s.id}`)).slice(1);
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
    'screens in catalogue order',
  );
  for (const s of SCREENS) assert.ok(md.includes(s.caption), `caption of ${s.id}`);
  assert.throws(() => renderGuide(fragments.slice(1)), /No transcript for: first-contact\. Run "npm run guide"/);
});
