import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { crashCounters, startFaultApp } from './app-harness.ts';

const USER = 7301;
const LLM_TIMEOUT_MS = 600;

function retryButton(m: TranscriptEntry): string | undefined {
  const rows =
    (m.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined)
      ?.inline_keyboard ?? [];
  return rows.flat().find((b) => b.callback_data?.startsWith('sys:retry:'))?.callback_data;
}

async function failureThenRetry(
  tg: FakeTelegram,
  text: string,
  expected: RegExp,
  clearFault: () => void,
): Promise<{ failure: TranscriptEntry; answer: TranscriptEntry }> {
  tg.sendUserMessage({ chatId: USER, text });
  const failure = await tg.waitForBotMessage(USER, (m) => expected.test(m.text), { timeoutMs: 8000 });
  const data = retryButton(failure);
  assert.ok(data, `the failure message "${failure.text}" carries a Retry button`);
  clearFault();
  tg.pressButton({ chatId: USER, messageId: failure.messageId, data });
  const answer = await tg.waitForBotMessage(USER, (m) => m.text === `answer to: ${text}`, {
    timeoutMs: 8000,
    since: failure.messageId,
  });
  await tg.waitFor(
    () => retryButton(tg.botMessages(USER).find((m) => m.messageId === failure.messageId)!) === undefined,
    {
      timeoutMs: 3000,
      label: 'the Retry button is removed after the press',
    },
  );
  return { failure, answer };
}

test('Gemini faults: 429 with Retry-After and 503 are retried or end in a clear message with Retry; a hang hits the timeout; Retry after the fault clears answers', async (t) => {
  const counters = crashCounters();
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  let hang = false;
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    if (hang) return { text: 'too late', hangMs: 10_000 };
    return { text: `answer to: ${req.lastUserText}` };
  });
  const h = await startFaultApp({
    tg,
    gemini,
    allowedUserIds: [USER],
    llmTimeoutMs: LLM_TIMEOUT_MS,
    llmRetry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
  });
  try {
    // 1. One 429 with Retry-After: 1 s is waited out and retried inside the turn: the user just gets the answer.
    gemini.failNext(1, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    tg.sendUserMessage({ chatId: USER, text: 'rate limited once' });
    await tg.waitForBotMessage(USER, (m) => m.text === 'answer to: rate limited once', { timeoutMs: 8000 });
    const waited = Date.now() - started;
    const rateLimited = gemini.generateCalls().filter((r) => r.status === 429);
    assert.equal(rateLimited.length, 1, 'the 429 was served');
    assert.ok(waited >= 950, `Retry-After was honoured (${waited} ms)`);

    // 2. 429 on every attempt: a clear "busy" message with Retry; Retry after it clears gives the answer.
    gemini.failNext(2, { status: 429, retryAfterSeconds: 1 });
    const busy = await failureThenRetry(
      tg,
      'rate limited twice',
      /Gemini is busy right now — tap Retry/,
      () => undefined,
    );
    t.diagnostic(`429 exhausted → "${busy.failure.text}"`);

    // 3. 503 on every attempt: "isn't responding" with Retry.
    gemini.failNext(2, { status: 503 });
    const down = await failureThenRetry(
      tg,
      'model overloaded',
      /Gemini isn't responding right now — tap Retry/,
      () => undefined,
    );
    t.diagnostic(`503 exhausted → "${down.failure.text}"`);

    // 4. A hang longer than the per-attempt timeout: the turn ends with "took too long" and Retry, not a silent wait.
    hang = true;
    const hangStarted = Date.now();
    let failedAfter = 0;
    const slow = await failureThenRetry(tg, 'hanging model', /Gemini took too long to answer — tap Retry/, () => {
      failedAfter = Date.now() - hangStarted;
      hang = false;
    });
    t.diagnostic(`hang → "${slow.failure.text}" after ${failedAfter} ms (timeout ${LLM_TIMEOUT_MS} ms per attempt)`);
    assert.ok(failedAfter < 5000, `the hang was cut off by the timeout, not waited out (${failedAfter} ms)`);
    assert.ok(!tg.botMessages(USER).some((m) => m.text === 'too late'), 'the hung reply never appears');

    // No failure text leaked anywhere else, nothing failed in the dispatcher, and the app keeps serving.
    tg.sendUserMessage({ chatId: USER, text: 'all good now' });
    await tg.waitForBotMessage(USER, (m) => m.text === 'answer to: all good now', { timeoutMs: 5000 });
    await h.app.frontEnd.dispatcher.idle();
    const rows = await h.store.query(`SELECT state, COUNT(*) AS n FROM updates GROUP BY state`);
    assert.deepEqual(
      Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)])),
      { done: 8 },
      'five messages and three Retry presses, all done',
    );
    // Failed turns are not committed to memory, so Retry does not duplicate history: one user row per question.
    const stored = await h.store.query(`SELECT text FROM memory_messages WHERE role = 'user' ORDER BY id`);
    assert.deepEqual(
      stored.map((r) => String(r.text)),
      ['rate limited once', 'rate limited twice', 'model overloaded', 'hanging model', 'all good now'],
      'each question stored once, after it was answered',
    );
    assert.deepEqual(h.fatal, [], 'no fatal error');
    assert.equal(counters.unhandled.length, 0, `no unhandled rejection: ${String(counters.unhandled[0])}`);
    assert.equal(counters.uncaught.length, 0, `no uncaught exception: ${String(counters.uncaught[0])}`);
  } finally {
    await h.close();
    await tg.close();
    await gemini.close();
    counters.dispose();
  }
});
