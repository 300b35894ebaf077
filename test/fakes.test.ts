/**
 * Proves the test fakes against the REAL clients: grammY for the Bot API fake and @google/genai
 * for the Gemini fake. Run: node --import tsx --test test/fakes.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile } from 'grammy';
import { botEnv, startBot } from './support/child-bot.ts';
import { cosineSimilarity, createFakeGemini, type FakeGemini, fakeEmbedding } from './support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram } from './support/fake-telegram.ts';
import { createManualClock } from './support/manual-clock.ts';
import { parseHtml, parseMarkdownV2 } from './support/telegram-format.ts';
import { tempDbUrl } from './support/temp-db.ts';

async function rejectsWith(promise: Promise<unknown>, check: (error: unknown) => void): Promise<void> {
  try {
    await promise;
  } catch (error) {
    check(error);
    return;
  }
  assert.fail('expected a rejection');
}

function grammyError(error: unknown): GrammyError {
  assert.ok(error instanceof GrammyError, `expected GrammyError, got ${String(error)}`);
  return error;
}

describe('fake Telegram with real grammY', () => {
  let tg: FakeTelegram;
  let bot: Bot;

  before(async () => {
    tg = await createFakeTelegram();
    bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
  });
  after(async () => {
    await tg.close();
  });

  it('getMe returns a full bot user', async () => {
    const me = await bot.api.getMe();
    assert.equal(me.id, 123456);
    assert.equal(me.username, 'assistant_test_bot');
    assert.equal(me.is_bot, true);
    assert.equal(me.can_join_groups, true);
  });

  it('rejects a wrong token and unknown methods like Telegram', async () => {
    const wrong = new Bot('999:wrong', { client: { apiRoot: tg.apiRoot } });
    await rejectsWith(wrong.api.getMe(), (e) => {
      assert.equal(grammyError(e).error_code, 401);
      assert.equal(grammyError(e).description, 'Unauthorized');
    });
    const res = await fetch(`${tg.apiRoot}/bot${tg.token}/noSuchMethod`, { method: 'POST' });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { ok: false, error_code: 404, description: 'Not Found' });
  });

  it('sendMessage with HTML stores visible text, raw html and entities', async () => {
    const msg = await bot.api.sendMessage(
      42,
      '<b>Hi</b> &amp; <a href="https://x.y/?a=1&amp;b=2">link</a> <code>x&lt;y</code>',
      {
        parse_mode: 'HTML',
        reply_markup: new InlineKeyboard().text('OK', 'ok:1'),
      },
    );
    assert.equal(msg.text, 'Hi & link x<y');
    assert.equal(msg.chat.id, 42);
    assert.equal(msg.from?.id, 123456);
    assert.ok(msg.date > 1_600_000_000 && msg.date < 10_000_000_000, 'date is in seconds');
    assert.deepEqual(msg.entities, [
      { type: 'bold', offset: 0, length: 2 },
      { type: 'text_link', offset: 5, length: 4, url: 'https://x.y/?a=1&b=2' },
      { type: 'code', offset: 10, length: 3 },
    ]);
    assert.deepEqual(msg.reply_markup, { inline_keyboard: [[{ text: 'OK', callback_data: 'ok:1' }]] });
    const [entry] = tg.botMessages(42);
    assert.equal(entry?.text, 'Hi & link x<y');
    assert.match(entry?.html ?? '', /^<b>Hi<\/b>/);
    const second = await bot.api.sendMessage(42, 'again');
    assert.equal(second.message_id, msg.message_id + 1);
  });

  it('rejects bad HTML, empty and over-long text with Telegram errors', async () => {
    await rejectsWith(bot.api.sendMessage(42, 'ok <div>no</div>', { parse_mode: 'HTML' }), (e) => {
      const err = grammyError(e);
      assert.equal(err.error_code, 400);
      assert.equal(err.description, `Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 3`);
    });
    await rejectsWith(bot.api.sendMessage(42, '<b>open', { parse_mode: 'HTML' }), (e) =>
      assert.match(
        grammyError(e).description,
        /can't parse entities: Can't find end tag corresponding to start tag "b"/,
      ),
    );
    await rejectsWith(bot.api.sendMessage(42, '<b><i>x</b></i>', { parse_mode: 'HTML' }), (e) =>
      assert.match(
        grammyError(e).description,
        /can't parse entities: Unmatched end tag at byte offset 7, expected "<\/i>", found "<\/b>"/,
      ),
    );
    await rejectsWith(bot.api.sendMessage(42, 'a < b', { parse_mode: 'HTML' }), (e) =>
      assert.match(grammyError(e).description, /can't parse entities/),
    );
    await rejectsWith(bot.api.sendMessage(42, 'Tom & Jerry', { parse_mode: 'HTML' }), (e) =>
      assert.match(grammyError(e).description, /can't parse entities/),
    );
    await rejectsWith(bot.api.sendMessage(42, '<b> </b>', { parse_mode: 'HTML' }), (e) =>
      assert.equal(grammyError(e).description, 'Bad Request: message text is empty'),
    );
    await rejectsWith(bot.api.sendMessage(42, 'x'.repeat(4097)), (e) =>
      assert.equal(grammyError(e).description, 'Bad Request: message is too long'),
    );
    // 4096 visible characters are fine even if the HTML source is longer.
    const ok = await bot.api.sendMessage(42, `<b>${'y'.repeat(4096)}</b>`, { parse_mode: 'HTML' });
    assert.equal(ok.text?.length, 4096);
    await rejectsWith(
      bot.api.sendMessage(42, 'btn', { reply_markup: new InlineKeyboard().text('too long', 'x'.repeat(65)) }),
      (e) => assert.equal(grammyError(e).description, 'Bad Request: BUTTON_DATA_INVALID'),
    );
  });

  it('editMessageText edits, and reports "message is not modified" / not found', async () => {
    const msg = await bot.api.sendMessage(43, 'draft');
    const edited = await bot.api.editMessageText(43, msg.message_id, '<i>final</i>', { parse_mode: 'HTML' });
    assert.ok(edited !== true && 'text' in edited && edited.text === 'final');
    await rejectsWith(bot.api.editMessageText(43, msg.message_id, '<i>final</i>', { parse_mode: 'HTML' }), (e) =>
      assert.equal(
        grammyError(e).description,
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      ),
    );
    await rejectsWith(bot.api.editMessageText(43, 999, 'x'), (e) =>
      assert.equal(grammyError(e).description, 'Bad Request: message to edit not found'),
    );
    const [entry] = tg.transcript(43);
    assert.equal(entry?.text, 'final');
    assert.equal(entry?.edits, 1);
    await bot.api.deleteMessage(43, msg.message_id);
    assert.equal(tg.transcript(43)[0]?.deleted, true);
    assert.equal(tg.botMessages(43).length, 0);
  });

  it('getUpdates long-polls until a user message arrives, and offset confirms', async () => {
    const startedAt = Date.now();
    const poll = bot.api.getUpdates({ offset: 0, timeout: 2 });
    await tg.waitForCall('getUpdates');
    setTimeout(() => tg.sendUserMessage({ chatId: 77, text: '/start hello @someone_here' }), 50);
    const updates = await poll;
    assert.ok(Date.now() - startedAt < 1500, 'returned early, not at the timeout');
    assert.equal(updates.length, 1);
    const message = updates[0]?.message;
    assert.equal(message?.text, '/start hello @someone_here');
    assert.equal(message?.chat.type, 'private');
    assert.equal(message?.from.id, 77);
    assert.deepEqual(message?.entities, [
      { type: 'bot_command', offset: 0, length: 6 },
      { type: 'mention', offset: 13, length: 13 },
    ]);
    const id = updates[0]?.update_id ?? 0;
    // Not confirmed yet: returned again.
    assert.equal((await bot.api.getUpdates({ offset: id, timeout: 0 })).length, 1);
    assert.deepEqual(await bot.api.getUpdates({ offset: id + 1, timeout: 0 }), []);
    assert.equal(tg.pendingUpdates(), 0);
    // An empty long poll honours the timeout.
    const t0 = Date.now();
    assert.deepEqual(await bot.api.getUpdates({ offset: id + 1, timeout: 1 }), []);
    assert.ok(Date.now() - t0 >= 900);
  });

  it('injects 429 with retry_after, dropped connections and counts stats', async () => {
    tg.failNext('sendMessage', { error_code: 429, retry_after: 3 });
    const before429 = tg.stats.tooManyRequests;
    await rejectsWith(bot.api.sendMessage(44, 'x'), (e) => {
      const err = grammyError(e);
      assert.equal(err.error_code, 429);
      assert.equal(err.description, 'Too Many Requests: retry after 3');
      assert.equal(err.parameters.retry_after, 3);
    });
    assert.equal(tg.stats.tooManyRequests, before429 + 1);
    tg.failNextConnection('sendMessage');
    await rejectsWith(bot.api.sendMessage(44, 'x'), (e) => assert.ok(e instanceof HttpError, String(e)));
    const ok = await bot.api.sendMessage(44, 'finally');
    assert.equal(ok.text, 'finally');
  });

  it('sendDocument uploads bytes via multipart; getFile + download round-trip', async () => {
    const bytes = new Uint8Array([0, 1, 2, 13, 10, 45, 45, 255, 254, 0x22, 0x3b, 10]);
    const msg = await bot.api.sendDocument(45, new InputFile(bytes, 'report; v1.bin'), {
      caption: '<b>Report</b>',
      parse_mode: 'HTML',
    });
    assert.equal(msg.caption, 'Report');
    assert.equal(msg.document?.file_name, 'report; v1.bin');
    assert.equal(msg.document?.file_size, bytes.length);
    const fileId = msg.document?.file_id ?? '';
    const call = tg.callsOf('sendDocument').at(-1);
    assert.equal(call?.payload.chat_id, 45);
    const file = await bot.api.getFile(fileId);
    const res = await fetch(`${tg.apiRoot}/file/bot${tg.token}/${file.file_path}`);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
    // Resending by file_id works; a photo upload too.
    const again = await bot.api.sendDocument(45, fileId);
    assert.equal(again.document?.file_id, fileId);
    const photo = await bot.api.sendPhoto(45, new InputFile(new Uint8Array([1, 2, 3])));
    assert.equal(photo.photo?.[0]?.file_size, 3);
    assert.equal(
      tg
        .transcript(45)
        .map((m) => m.kind)
        .join(','),
      'document,document,photo',
    );

    const userFile = tg.addFile('hello file', { filePath: 'documents/notes.txt' });
    const info = await bot.api.getFile(userFile);
    assert.equal(info.file_path, 'documents/notes.txt');
    const text = await (await fetch(`${tg.apiRoot}/file/bot${tg.token}/${info.file_path}`)).text();
    assert.equal(text, 'hello file');
    const huge = tg.addFile('x', { size: 25 * 1024 * 1024 });
    await rejectsWith(bot.api.getFile(huge), (e) =>
      assert.equal(grammyError(e).description, 'Bad Request: file is too big'),
    );
  });

  it('buttons, callback answers, drafts, chat actions and commands', async () => {
    const msg = await bot.api.sendMessage(46, 'Pick', {
      reply_markup: new InlineKeyboard().text('Yes', 'pick:y').text('Ünï', 'pick:ü'),
    });
    const update = tg.pressButton({ chatId: 46, messageId: msg.message_id, data: 'pick:ü' });
    const cq = update.callback_query;
    assert.equal(cq?.data, 'pick:ü');
    assert.equal(cq?.message?.message_id, msg.message_id);
    assert.ok(cq?.chat_instance);
    await bot.api.answerCallbackQuery(cq?.id ?? '', { text: 'Done', show_alert: true });
    assert.deepEqual(
      tg.callbackAnswers().map((a) => [a.callbackQueryId, a.text, a.showAlert]),
      [[cq?.id, 'Done', true]],
    );
    await rejectsWith(bot.api.answerCallbackQuery(cq?.id ?? ''), (e) =>
      assert.match(grammyError(e).description, /query is too old/),
    );
    await bot.api.editMessageReplyMarkup(46, msg.message_id, { reply_markup: undefined });
    assert.equal(tg.transcript(46)[0]?.replyMarkup, undefined);

    assert.equal(await bot.api.sendMessageDraft(46, 7, 'Thinking'), true);
    await rejectsWith(bot.api.sendMessageDraft(46, 0, 'x'), (e) => assert.equal(grammyError(e).error_code, 400));
    assert.deepEqual(
      tg.drafts(46).map((d) => [d.draftId, d.text]),
      [[7, 'Thinking']],
    );
    await bot.api.sendChatAction(46, 'typing');
    assert.deepEqual(tg.chatActions(46), ['typing']);
    await bot.api.setMyCommands([{ command: 'start', description: 'Start' }]);
    assert.deepEqual(await bot.api.getMyCommands(), [{ command: 'start', description: 'Start' }]);
    assert.deepEqual(tg.commands(), [{ command: 'start', description: 'Start' }]);
    const member = await bot.api.getChatMember(46, 46);
    assert.equal(member.status, 'member');
  });

  it('drives a real polling bot end to end (bot.start + waitForBotMessage)', async () => {
    const polling = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    polling.command('start', (ctx) => ctx.reply(`Hello <b>${ctx.from?.first_name ?? ''}</b>`, { parse_mode: 'HTML' }));
    polling.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(`You chose ${ctx.callbackQuery.data}`);
    });
    polling.on('message:text', (ctx) =>
      ctx.reply('Choose', {
        reply_markup: new InlineKeyboard().text('A', 'a'),
        message_thread_id: ctx.message.message_thread_id,
      }),
    );
    const polled = tg.waitForCall('getUpdates');
    const done = polling.start({ timeout: 1, drop_pending_updates: true });
    try {
      await polled; // drop_pending_updates would drop a message sent before polling starts
      tg.sendUserMessage({ chatId: 501, text: '/start', firstName: 'Ada' });
      const hello = await tg.waitForBotMessage(501);
      assert.equal(hello.text, 'Hello Ada');
      tg.sendUserMessage({ chatId: -1001, text: 'menu', topicId: 9, isForum: true });
      const menu = await tg.waitForBotMessage(-1001, (m) => m.text === 'Choose');
      assert.equal(menu.topicId, 9);
      tg.pressButton({ chatId: -1001, messageId: menu.messageId, data: 'a' });
      const chosen = await tg.waitFor(() => tg.botMessages(-1001).find((m) => m.text === 'You chose a'));
      assert.equal(chosen.edits, 1);
      await rejectsWith(
        tg.waitFor(() => false, { timeoutMs: 50 }),
        (e) => {
          assert.ok(e instanceof Error);
          assert.match(e.message, /timed out after 50 ms[\s\S]*chat -1001 \(supergroup\)[\s\S]*"You chose a"/);
        },
      );
    } finally {
      await polling.stop();
      await done;
    }
    assert.equal(tg.pendingUpdates(), 0);
  });

  it('a second poller conflicts (409); raw/edited updates and urlencoded bodies work', async () => {
    const first = bot.api.getUpdates({ timeout: 2 });
    await tg.waitForCall('getUpdates');
    const second = bot.api.getUpdates({ timeout: 0 });
    await rejectsWith(first, (e) => {
      assert.equal(grammyError(e).error_code, 409);
      assert.match(grammyError(e).description, /terminated by other getUpdates request/);
    });
    assert.deepEqual(await second, []);
    const raw = tg.enqueueUpdate({ some_future_update: { x: 1 } });
    const sent = tg.sendUserMessage({ chatId: 88, text: 'typo' });
    const edited = tg.editUserMessage({ chatId: 88, messageId: sent.message?.message_id ?? 0, text: 'fixed' });
    const updates = await bot.api.getUpdates({ offset: raw.update_id, timeout: 0 });
    assert.deepEqual(
      updates.map((u) => Object.keys(u).filter((k) => k !== 'update_id')[0]),
      ['some_future_update', 'message', 'edited_message'],
    );
    assert.equal(updates[2]?.edited_message?.text, 'fixed');
    assert.equal(updates[2]?.update_id, edited.update_id);
    await bot.api.getUpdates({ offset: edited.update_id + 1, timeout: 0 });
    assert.equal(tg.transcript(88)[0]?.text, 'fixed');

    const res = await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        chat_id: '88',
        text: 'form',
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'x', callback_data: 'y' }]] }),
      }),
    });
    const body = (await res.json()) as { ok: boolean; result: { reply_markup?: unknown; chat: { id: number } } };
    assert.equal(body.ok, true);
    assert.equal(body.result.chat.id, 88);
    assert.deepEqual(body.result.reply_markup, { inline_keyboard: [[{ text: 'x', callback_data: 'y' }]] });
    assert.throws(() => tg.failNext('sendMesage', { error_code: 500 }), /unknown method/);
  });

  it('enforces flood limits when enabled', async () => {
    const limited = await createFakeTelegram({ enforceLimits: { privatePerSec: 1, groupPerMin: 2 } });
    try {
      const api = new Bot(limited.token, { client: { apiRoot: limited.apiRoot } }).api;
      for (let i = 0; i < 3; i++) await api.sendMessage(1, `m${i}`);
      await rejectsWith(api.sendMessage(1, 'm3'), (e) => {
        const err = grammyError(e);
        assert.equal(err.error_code, 429);
        assert.ok((err.parameters.retry_after ?? 0) >= 1);
      });
      await api.sendMessage(-100, 'g1');
      await api.sendMessage(-100, 'g2');
      await rejectsWith(api.sendMessage(-100, 'g3'), (e) =>
        assert.ok((grammyError(e).parameters.retry_after ?? 0) > 50),
      );
      assert.equal(limited.stats.sent, 5);
      assert.equal(limited.stats.tooManyRequests, 2);
    } finally {
      await limited.close();
    }
  });
});

describe('Telegram formatting parsers', () => {
  it('parses nested pre/code with language, spoilers and blockquotes', () => {
    const r = parseHtml(
      '<pre><code class="language-ts">let a = 1;</code></pre><span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>',
    );
    assert.ok(r.ok);
    assert.deepEqual(r.entities, [
      { type: 'pre', offset: 0, length: 10, language: 'ts' },
      { type: 'spoiler', offset: 10, length: 1 },
      { type: 'expandable_blockquote', offset: 11, length: 1 },
    ]);
    const bad = parseHtml('<span>x</span>');
    assert.ok(!bad.ok && bad.error.includes('must have class "tg-spoiler"'));
    const emoji = parseHtml('€<x>');
    assert.ok(!emoji.ok && emoji.error === 'Unsupported start tag "x" at byte offset 3');
  });

  it('parses MarkdownV2 like Telegram', () => {
    const r = parseMarkdownV2('*bold* _it_ [l](https://e.com) 1\\.5');
    assert.ok(r.ok);
    assert.equal(r.text, 'bold it l 1.5');
    const bad = parseMarkdownV2('1.5');
    assert.ok(!bad.ok && bad.error === "Character '.' is reserved and must be escaped with the preceding '\\'");
    const open = parseMarkdownV2('*bold');
    assert.ok(!open.ok && open.error === "Can't find end of Bold entity at byte offset 0");
  });
});

describe('fake Gemini with the real @google/genai SDK', () => {
  let gemini: FakeGemini;
  let ai: GoogleGenAI;

  before(async () => {
    gemini = await createFakeGemini();
    ai = new GoogleGenAI({ apiKey: gemini.apiKey, httpOptions: { baseUrl: gemini.baseUrl, apiVersion: 'v1beta' } });
  });
  after(async () => {
    await gemini.close();
  });

  it('generateContent returns scripted text and records the request', async () => {
    gemini.clear();
    gemini.enqueue({ text: 'Hi there!' });
    const r = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Say hi',
      config: { systemInstruction: 'You are terse.', temperature: 0.2 },
    });
    assert.equal(r.text, 'Hi there!');
    assert.equal(r.usageMetadata?.candidatesTokenCount, 3);
    const [req] = gemini.requests;
    assert.equal(req?.kind, 'generate');
    assert.equal(req?.model, 'gemini-2.5-flash');
    assert.equal(req?.systemText, 'You are terse.');
    assert.equal(req?.lastUserText, 'Say hi');
    // Unscripted calls get the fallback text.
    const fallback = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    assert.equal(fallback.text, '(fake gemini: no scripted reply)');
  });

  it('round-trips a function call with the thought signature preserved', async () => {
    gemini.clear();
    gemini.enqueue(
      { functionCalls: [{ name: 'remember', args: { fact: 'likes tea' } }], thoughtSignature: 'c2lnLTE=' },
      { text: 'Noted.' },
    );
    const tools = [{ functionDeclarations: [{ name: 'remember', parametersJsonSchema: { type: 'object' } }] }];
    const user = { role: 'user', parts: [{ text: 'I like tea' }] };
    const first = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: [user], config: { tools } });
    const call = first.functionCalls?.[0];
    assert.equal(call?.name, 'remember');
    assert.deepEqual(call?.args, { fact: 'likes tea' });
    assert.ok(call?.id);
    const modelTurn = first.candidates?.[0]?.content;
    assert.ok(modelTurn);
    const response = {
      role: 'user',
      parts: [{ functionResponse: { id: call?.id, name: 'remember', response: { result: 'ok' } } }],
    };
    const second = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [user, modelTurn, response],
      config: { tools },
    });
    assert.equal(second.text, 'Noted.');
    const recorded = gemini.generateCalls()[1];
    assert.deepEqual(recorded?.toolNames, ['remember']);
    assert.equal(recorded?.lastUserText, 'I like tea');
    assert.equal(recorded?.contents[1]?.parts?.[0]?.thoughtSignature, 'c2lnLTE=');

    // Dropping the signature (Gemini 3) or the function response is rejected like the real API.
    const stripped = { role: 'model', parts: [{ functionCall: call }] };
    await rejectsWith(
      ai.models.generateContent({ model: 'gemini-3-flash-preview', contents: [user, stripped, response] }),
      (e) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.status, 400);
        assert.match(e.message, /thought_signature/);
      },
    );
    await rejectsWith(
      ai.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: [user, modelTurn, { role: 'user', parts: [{ text: 'hm' }] }],
      }),
      (e) => assert.match(String(e), /number of function response parts/),
    );
  });

  it('streams chunks in order', async () => {
    gemini.enqueue({ chunks: ['Hel', 'lo, ', 'stream!'] });
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
    const seen: string[] = [];
    let finish: string | undefined;
    for await (const chunk of stream) {
      seen.push(chunk.text ?? '');
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
    }
    assert.deepEqual(seen, ['Hel', 'lo, ', 'stream!']);
    assert.equal(finish, 'STOP');
    assert.equal(gemini.requests.at(-1)?.kind, 'stream');
  });

  it('targeted queues and handlers pick replies by request content', async () => {
    gemini.enqueueFor({ systemIncludes: 'router' }, { text: 'routed' });
    gemini.setHandler((req) => (req.lastUserText.includes('ping') ? { text: 'pong' } : undefined));
    const a = await ai.models.generateContent({
      model: 'm',
      contents: 'ping',
      config: { systemInstruction: 'You are the router.' },
    });
    const b = await ai.models.generateContent({ model: 'm', contents: 'ping' });
    assert.equal(a.text, 'routed');
    assert.equal(b.text, 'pong');
    gemini.setHandler(undefined);
  });

  it('embeddings are deterministic and word-overlap similar', async () => {
    const r = await ai.models.embedContent({
      model: 'gemini-embedding-001',
      contents: ['I like green tea in the morning', 'green tea every morning', 'quarterly tax filing deadline'],
      config: { outputDimensionality: 256 },
    });
    const [a, b, c] = (r.embeddings ?? []).map((e) => e.values ?? []);
    assert.equal(a?.length, 256);
    assert.ok(a && b && c);
    const related = cosineSimilarity(a, b);
    const unrelated = cosineSimilarity(a, c);
    assert.ok(related > 0.5, `related ${related}`);
    assert.ok(related > unrelated + 0.3, `related ${related} vs unrelated ${unrelated}`);
    assert.deepEqual(a, fakeEmbedding('I like green tea in the morning', 256));
    assert.equal(gemini.embedCalls().at(-1)?.texts.length, 3);
    gemini.failEmbeddings(true);
    await rejectsWith(ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'x' }), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 503);
    });
    gemini.failEmbeddings(false);
  });

  it('concept groups and explicit vectors make paraphrases close; reset restores plain word overlap', async () => {
    const embed = async (texts: string[]) =>
      ((await ai.models.embedContent({ model: 'gemini-embedding-001', contents: texts })).embeddings ?? []).map(
        (e) => e.values ?? [],
      );
    const pair = ['I was born in Lisbon', 'where is my hometown?'];
    const [s0, q0] = await embed(pair);
    assert.ok(s0 && q0 && cosineSimilarity(s0, q0) < 0.1, 'no shared word: unrelated by default');
    gemini.setEmbeddingConcepts([['born', 'hometown', 'birthplace']]);
    const [s1, q1, other] = await embed([...pair, 'quarterly tax filing deadline']);
    assert.ok(s1 && q1 && other);
    const close = cosineSimilarity(s1, q1);
    assert.ok(close > 0.6 && close < 0.9, `paraphrase cosine ${close}`);
    assert.ok(cosineSimilarity(s1, other) < 0.1, 'unrelated stays unrelated');
    gemini.setEmbedding('Some text', [3, 4]);
    const [explicit] = await embed(['  some TEXT ']);
    assert.deepEqual(explicit?.slice(0, 3), [0.6, 0.8, 0]);
    gemini.reset();
    const [s2, q2] = await embed(pair);
    assert.deepEqual([s2, q2], [s0, q0]);
  });

  it('429 surfaces as ApiError with a Retry-After header; wrong key is 403', async () => {
    const seen: Response[] = [];
    const spying = new GoogleGenAI({
      apiKey: gemini.apiKey,
      httpOptions: {
        baseUrl: gemini.baseUrl,
        apiVersion: 'v1beta',
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          seen.push(res);
          return res;
        },
      },
    });
    gemini.failNext(1, { status: 429, retryAfterSeconds: 7 });
    await rejectsWith(spying.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 429);
      assert.match(e.message, /RESOURCE_EXHAUSTED/);
    });
    assert.equal(seen[0]?.headers.get('retry-after'), '7');
    const wrong = new GoogleGenAI({ apiKey: 'nope', httpOptions: { baseUrl: gemini.baseUrl, apiVersion: 'v1beta' } });
    await rejectsWith(wrong.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 403);
      assert.match(e.message, /PERMISSION_DENIED/);
    });
  });

  it('hangMs trips the client timeout and the fake survives the abort', async () => {
    gemini.enqueue({ hangMs: 2000, text: 'late' });
    const impatient = new GoogleGenAI({
      apiKey: gemini.apiKey,
      httpOptions: { baseUrl: gemini.baseUrl, apiVersion: 'v1beta', timeout: 100 },
    });
    const t0 = Date.now();
    await rejectsWith(impatient.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }), () => undefined);
    assert.ok(Date.now() - t0 < 1000);
    gemini.enqueue({ text: 'fine' });
    assert.equal((await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' })).text, 'fine');
  });
});

describe('helpers', () => {
  it('manual clock wakes sleepers in order and honours abort', async () => {
    const clock = createManualClock();
    const order: string[] = [];
    void clock.sleep(2000).then(() => order.push(`b@${clock.now()}`));
    void clock.sleep(1000).then(() => order.push(`a@${clock.now()}`));
    const ac = new AbortController();
    const aborted = clock.sleep(500, ac.signal).catch(() => order.push('aborted'));
    ac.abort();
    await aborted;
    const start = clock.now();
    await clock.advance(1500);
    assert.deepEqual(order, ['aborted', `a@${start + 1000}`]);
    assert.equal(clock.now(), start + 1500);
    await clock.advance(500);
    assert.deepEqual(order.at(-1), `b@${start + 2000}`);
    assert.equal(clock.pendingSleeps(), 0);
  });

  it('tempDbUrl gives a fresh file: URL', async () => {
    const db = tempDbUrl('x');
    assert.match(db.url, /^file:\/.*assistant-.*\/x\.db$/);
    await db.cleanup();
  });

  it('startBot runs a child bot wired to the fakes by botEnv', async () => {
    const tg = await createFakeTelegram();
    const gemini = await createFakeGemini();
    const db = tempDbUrl();
    process.env.GEMINI_API_KEY_LEAK = 'should-not-leak';
    try {
      gemini.enqueue({ text: 'from the child' });
      const child = await startBot({
        env: botEnv(tg, gemini, db.url, { EXTRA_CHECK: 'ok' }),
        entry: 'test/support/fixtures/echo-bot.ts',
      });
      try {
        tg.sendUserMessage({ chatId: 900, text: 'hello child' });
        const reply = await tg.waitForBotMessage(900, undefined, 10_000);
        assert.equal(reply.text, 'from the child');
        await child.waitForLog((_line, json) => json?.msg === 'replied');
        const replied = child.jsonLogs().find((j) => j.msg === 'replied');
        assert.equal(replied?.extra, 'ok');
        assert.equal(replied?.inherited, null, 'parent env must not leak into the child');
        const starting = child.jsonLogs().find((j) => j.msg === 'starting');
        assert.equal(starting?.timezone, 'UTC');
      } finally {
        const exit = await child.kill();
        assert.equal(exit.code, 0);
      }
      assert.ok(child.logs().some((l) => l.includes('"stopped"')));
    } finally {
      delete process.env.GEMINI_API_KEY_LEAK;
      await tg.close();
      await gemini.close();
      await db.cleanup();
    }
  });
});
