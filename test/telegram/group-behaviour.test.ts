/**
 * Issue 11, point 7 "Groups behave", through the whole app against the fake Bot API and fake Gemini:
 * group chatter never hears from the bot (not even the queued notice), the Stop button and /stop act only for the
 * person who started the turn or the owner, and /why shows only the asker's own answer and runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { DEFAULT_BOT_USERNAME, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { startWholeApp } from '../support/whole-app.ts';
import { realChat, startInbound } from './inbound-harness.ts';

const GROUP = -100555;
const OWNER = 9001; // first allowed id: the owner in allowlist mode
const ANN = 9002;
const BOB = 9003;
const AT = `@${DEFAULT_BOT_USERNAME}`;

const hasFunctionResponse = (req: RecordedRequest) =>
  req.contents.some((c) => (c.parts ?? []).some((p) => p.functionResponse !== undefined));
type Markup = { inline_keyboard: { text: string; callback_data: string }[][] } | undefined;
const stopButton = (m: TranscriptEntry) =>
  ((m.replyMarkup as Markup)?.inline_keyboard ?? []).flat().find((b) => b.text.includes('Stop'));

test('group chatter queued behind a running turn gets no "⏳" notice; an addressed message does', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) =>
    req.kind === 'embed' ? undefined : { text: `re: ${req.lastUserText.slice(-12)}`, delayMs: 700 },
  );
  const h = await startInbound({
    allowedUserIds: [OWNER, ANN],
    chat: realChat(gemini),
    config: { queuedNoticeMs: 100 },
  });
  try {
    h.tg.sendUserMessage({ chatId: GROUP, userId: ANN, firstName: 'Ann', text: `${AT} first question` });
    await gemini.waitForRequests(1, { kind: 'generateOrStream' });
    const chatter = h.tg.sendUserMessage({
      chatId: GROUP,
      userId: ANN,
      firstName: 'Ann',
      text: 'lol, see you all at lunch',
    });
    const addressed = h.tg.sendUserMessage({
      chatId: GROUP,
      userId: ANN,
      firstName: 'Ann',
      text: `${AT} second question`,
    });
    const notice = await h.tg.waitForBotMessage(GROUP, (m) => /right after the current reply/.test(m.text), {
      since: 'any',
    });
    assert.equal(notice.replyToMessageId, addressed.message?.message_id, 'the notice answers the addressed message');
    await h.tg.waitFor(() => h.tg.botMessages(GROUP).filter((m) => m.text.startsWith('re:')).length === 2, {
      timeoutMs: 8000,
    });
    await h.fe.dispatcher.idle();
    const toChatter = h.tg.botMessages(GROUP).filter((m) => m.replyToMessageId === chatter.message?.message_id);
    assert.deepEqual(toChatter, [], 'nothing was sent in reply to the chatter');
    assert.ok(
      !gemini.generateCalls().some((r) => r.lastUserText.includes('lunch')),
      'the chatter never reached the model',
    );
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('the Stop button and /stop stop only the presser’s own turn, or any turn for the owner', async () => {
  const gemini = await createFakeGemini();
  // Each turn streams a first line and checks the time (so the group preview with its Stop button appears), then hangs.
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    if (!hasFunctionResponse(req))
      return { text: 'Let me think about that…', functionCalls: [{ name: 'current_time' }] };
    return { text: 'too late', hangMs: 20_000 };
  });
  const h = await startInbound({ allowedUserIds: [OWNER, ANN, BOB], chat: realChat(gemini) });
  const preview = async (since: number) =>
    h.tg.waitForBotMessage(GROUP, (m) => stopButton(m) !== undefined, { since, timeoutMs: 8000 });
  const press = async (m: TranscriptEntry, userId: number, firstName: string) => {
    const before = h.tg.callbackAnswers().length;
    h.tg.pressButton({ chatId: GROUP, messageId: m.messageId, data: stopButton(m)!.callback_data, userId, firstName });
    return h.tg.waitFor(() => h.tg.callbackAnswers()[before], { label: `stop answer for ${firstName}` });
  };
  try {
    // Ann's turn: Bob may not stop it, Ann may.
    const annMsg = h.tg.sendUserMessage({
      chatId: GROUP,
      userId: ANN,
      firstName: 'Ann',
      text: `${AT} think hard, Ann`,
    });
    const annPreview = await preview(annMsg.message!.message_id);
    const bobPress = await press(annPreview, BOB, 'Bob');
    assert.equal(bobPress.text, 'Only Ann or the owner can stop this.');
    h.tg.sendUserMessage({ chatId: GROUP, userId: BOB, firstName: 'Bob', text: '/stop' });
    const bobStop = await h.tg.waitForBotMessage(GROUP, (m) => m.messageId !== annPreview.messageId);
    assert.equal(bobStop.text, 'Only Ann or the owner can stop this.');
    assert.equal(h.fe.control.signalFor(annMsg.update_id)?.aborted, false, 'Ann’s turn is still running');
    const annPress = await press(annPreview, ANN, 'Ann');
    assert.equal(annPress.text, 'Stopping…');
    await h.tg.waitFor(() => h.tg.message(GROUP, annPreview.messageId)?.text === 'Stopped.' || undefined, {
      timeoutMs: 5000,
    });
    await h.fe.dispatcher.idle();

    // Bob's turn: the owner may stop it, with the button or with /stop.
    const bobMsg = h.tg.sendUserMessage({
      chatId: GROUP,
      userId: BOB,
      firstName: 'Bob',
      text: `${AT} think hard, Bob`,
    });
    const bobPreview = await preview(bobMsg.message!.message_id);
    assert.equal((await press(bobPreview, ANN, 'Ann')).text, 'Only Bob or the owner can stop this.');
    assert.equal((await press(bobPreview, OWNER, 'Olga')).text, 'Stopping…');
    await h.tg.waitFor(() => h.tg.message(GROUP, bobPreview.messageId)?.text === 'Stopped.' || undefined, {
      timeoutMs: 5000,
    });
    await h.fe.dispatcher.idle();

    const third = h.tg.sendUserMessage({
      chatId: GROUP,
      userId: BOB,
      firstName: 'Bob',
      text: `${AT} think hard again`,
    });
    const thirdPreview = await preview(third.message!.message_id);
    h.tg.sendUserMessage({ chatId: GROUP, userId: OWNER, firstName: 'Olga', text: '/stop' });
    await h.tg.waitForBotMessage(GROUP, (m) => m.text === '⏹ Stopped.');
    await h.tg.waitFor(() => h.tg.message(GROUP, thirdPreview.messageId)?.text === 'Stopped.' || undefined, {
      timeoutMs: 5000,
    });
    await h.fe.dispatcher.idle();
    assert.ok(!h.tg.botMessages(GROUP).some((m) => m.text === 'too late'));
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('/why in a group shows the asker’s own last answer and only their own approval runs', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    if (req.systemText.includes('extract durable facts')) return { text: '[]' };
    if (
      req.lastUserText.includes('fetch that page') &&
      req.toolNames.includes('agent_assistant') &&
      !hasFunctionResponse(req)
    )
      return { functionCalls: [{ name: 'agent_assistant', args: { task: 'fetch https://example.org/bobs-page' } }] };
    if (req.lastUserText.includes('bobs-page') && req.toolNames.includes('http_fetch') && !hasFunctionResponse(req))
      return { functionCalls: [{ name: 'http_fetch', args: { url: 'https://example.org/bobs-page' } }] };
    return { text: 'ok' };
  });
  const tg = await createFakeTelegram();
  const whole = await startWholeApp({ tg, gemini, allowedUserIds: [OWNER, ANN, BOB] });
  const say = async (userId: number, firstName: string, text: string, expect: RegExp) => {
    tg.sendUserMessage({ chatId: GROUP, userId, firstName, text });
    return tg.waitForBotMessage(GROUP, (m) => expect.test(m.text), { timeoutMs: 8000 });
  };
  try {
    await whole.app.memory.remember(ANN, { chatId: GROUP, type: 'supergroup' }, 'Ann loves green tea', 'preference');
    await say(ANN, 'Ann', `${AT} does Ann love green tea`, /^ok$/);
    await say(BOB, 'Bob', `${AT} please fetch that page`, /example\.org/);

    // Bob's paused run is the chat's latest run: it is not in Ann's /why.
    const annWhy = await say(ANN, 'Ann', '/why', /./);
    assert.match(annWhy.text, /I used one thing I remember about you:\n• Ann loves green tea/);
    assert.doesNotMatch(
      annWhy.text,
      /http_fetch|example\.org|bobs-page|waiting/,
      'Bob’s approval run is not in Ann’s /why',
    );
    const bobWhy = await say(BOB, 'Bob', '/why', /./);
    assert.match(bobWhy.text, /I’m still waiting for an OK to fetch a web page./, 'Bob sees his own paused run');

    // Bob's answered turn is the chat's latest answer: Ann's /why still shows her own.
    await say(BOB, 'Bob', `${AT} hello there`, /^ok$/);
    const annAgain = await say(ANN, 'Ann', '/why', /./);
    assert.match(
      annAgain.text,
      /I used one thing I remember about you:\n• Ann loves green tea/,
      'Ann sees her own last answer, not Bob’s',
    );
    const bobAgain = await say(BOB, 'Bob', '/why', /./);
    assert.doesNotMatch(bobAgain.text, /green tea/);
  } finally {
    await whole.close();
    await tg.close();
    await gemini.close();
  }
});
