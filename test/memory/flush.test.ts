/**
 * Issue 11, point 9, through the whole app: what the user said about themselves is there after /new and after a
 * restart, even when it was a single statement (facts are otherwise extracted every few messages), and a
 * paraphrased question finds it. Embeddings: the fake's concept groups make "born" and "hometown" one concept, so
 * "I was born in Lisbon" and "where is my hometown?" are close (cosine ≈ 0.7) while sharing no word.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini, type FakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { startWholeApp } from '../support/whole-app.ts';
import { createHarness } from './setup.ts';

const U = 7301;
const FACT = 'User was born in Lisbon';

const isExtraction = (r: RecordedRequest) => r.systemText.includes('extract durable facts');
const factsSection = (r: RecordedRequest) =>
  /## What you know about the user\n[\s\S]*?(?=\n## |$)/.exec(r.systemText)?.[0] ?? '';

async function fakes(): Promise<{ gemini: FakeGemini; tg: FakeTelegram }> {
  const gemini = await createFakeGemini();
  gemini.setEmbeddingConcepts([['born', 'hometown', 'birthplace']]);
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    if (isExtraction(req))
      return {
        text: req.lastUserText.includes('born in Lisbon')
          ? JSON.stringify([{ fact: FACT, category: 'personal' }])
          : '[]',
      };
    return { text: 'noted' };
  });
  return { gemini, tg: await createFakeTelegram() };
}

/** The router request of the turn whose user text includes `text`. */
function turnRequest(gemini: FakeGemini, text: string): RecordedRequest {
  const req = gemini.generateCalls().find((r) => !isExtraction(r) && r.lastUserText.includes(text));
  assert.ok(req, `a model request for "${text}"`);
  return req;
}

async function say(tg: FakeTelegram, text: string, expect: RegExp = /^noted$/): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId: U, text });
  return tg.waitForBotMessage(U, (m) => expect.test(m.text), { timeoutMs: 8000 });
}

test('a fact stated once, then /new: a paraphrased question in the new thread carries the fact', async () => {
  const { gemini, tg } = await fakes();
  const whole = await startWholeApp({ tg, gemini, allowedUserIds: [U] });
  try {
    await say(tg, 'I was born in Lisbon');
    await say(tg, '/new', /Started a new conversation/);
    await say(tg, 'where is my hometown?');
    const asked = turnRequest(gemini, 'where is my hometown?');
    assert.ok(asked.contents.length === 1, 'a new thread: no history');
    assert.match(factsSection(asked), /User was born in Lisbon/, 'the fact reached the model');

    // Calibration both ways: an unrelated question does not drag the fact (or the statement) along.
    await say(tg, 'what is a good pasta recipe?');
    assert.doesNotMatch(turnRequest(gemini, 'pasta recipe').systemText, /Lisbon/);
  } finally {
    await whole.close();
    await tg.close();
    await gemini.close();
  }
});

test('a fact stated once is extracted at graceful shutdown and known after the restart', async () => {
  const { gemini, tg } = await fakes();
  const db = tempDbUrl('flush-restart');
  try {
    const first = await startWholeApp({ tg, gemini, allowedUserIds: [U], db });
    await say(tg, 'I was born in Lisbon');
    assert.equal(gemini.generateCalls().filter(isExtraction).length, 0, 'one message: no extraction yet');
    await first.close();
    assert.equal(gemini.generateCalls().filter(isExtraction).length, 1, 'extracted while stopping');

    const second = await startWholeApp({ tg, gemini, allowedUserIds: [U], db });
    try {
      await say(tg, 'where is my hometown?');
      assert.match(factsSection(turnRequest(gemini, 'where is my hometown?')), /User was born in Lisbon/);
    } finally {
      await second.close();
    }
  } finally {
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});

test('/wipe never extracts: neither the wipe nor the shutdown after it sends the wiped messages to the model', async () => {
  const { gemini, tg } = await fakes();
  const whole = await startWholeApp({ tg, gemini, allowedUserIds: [U] });
  let closed = false;
  try {
    await say(tg, 'I was born in Lisbon');
    const prompt = await say(tg, '/wipe', /Erase everything/);
    type Markup = { inline_keyboard: { text: string; callback_data: string }[][] } | undefined;
    const yes = ((prompt.replyMarkup as Markup)?.inline_keyboard ?? []).flat().find((b) => b.text.includes('Yes'));
    assert.ok(yes, 'confirm button');
    tg.pressButton({ chatId: U, messageId: prompt.messageId, data: yes.callback_data, userId: U });
    await tg.waitFor(() => /I erased/.test(tg.message(U, prompt.messageId)?.text ?? '') || undefined, {
      timeoutMs: 8000,
    });
    await whole.app.memory.idle();
    await whole.app.stop();
    closed = true;
    assert.equal(gemini.generateCalls().filter(isExtraction).length, 0, 'no extraction call');
    assert.equal(Number((await whole.store.get('SELECT COUNT(*) AS n FROM memory_facts'))?.n), 0);
  } finally {
    if (!closed) await whole.app.stop();
    await whole.store.close();
    await whole.db.cleanup();
    await tg.close();
    await gemini.close();
  }
});

test('/new in a group flushes every member who spoke in the ended thread, and only their own facts', async () => {
  const h = await createHarness();
  const GROUP = { chatId: -100321, type: 'supergroup' as const };
  h.gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    const said = /User: (.*)/.exec(req.lastUserText)?.[1] ?? '';
    return { text: JSON.stringify([{ fact: `User says: ${said}`, category: 'other' }]) };
  });
  try {
    await h.turn(1, 'I play the cello in an orchestra', 'nice', GROUP);
    await h.turn(2, 'My dog is called Pixel', 'cute', GROUP);
    await h.turn(3, 'I keep bees on my roof', 'sweet', { chatId: 3 }); // another chat's thread: not flushed
    assert.equal(
      Number((await h.store.get('SELECT COUNT(*) AS n FROM memory_facts'))?.n),
      0,
      'one message each: nothing yet',
    );
    await h.memory.newThread(GROUP);
    await h.memory.idle();
    const rows = await h.store.query('SELECT user_id, scope, text FROM memory_facts ORDER BY user_id');
    assert.deepEqual(
      rows.map((r) => [Number(r.user_id), r.scope, r.text]),
      [
        [1, `g:${GROUP.chatId}:u:1`, 'User says: I play the cello in an orchestra'],
        [2, `g:${GROUP.chatId}:u:2`, 'User says: My dog is called Pixel'],
      ],
    );
  } finally {
    await h.close();
  }
});
