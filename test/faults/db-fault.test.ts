import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { crashCounters, startFaultApp } from './app-harness.ts';

const A = 7401; // its turn's first write (the conversation thread) fails
const B = 7402; // served normally, at the same time
const C = 7403; // its turn's final memory write fails after the answer exists

function retryData(m: TranscriptEntry): string | undefined {
  const rows =
    (m.replyMarkup as { inline_keyboard?: { callback_data?: string }[][] } | undefined)?.inline_keyboard ?? [];
  return rows.flat().find((b) => b.callback_data?.startsWith('sys:retry:'))?.callback_data;
}

test('a database write failing during a turn: a clear message with Retry, other chats keep being served, Retry works once the write succeeds', async () => {
  const counters = crashCounters();
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler((req) =>
    req.kind === 'embed' ? undefined : { text: `answer to: ${req.lastUserText}`, delayMs: 150 },
  );
  const h = await startFaultApp({ tg, gemini, allowedUserIds: [A, B, C] });
  try {
    // Deterministic, realistic write failures (what a full disk or a corrupt page looks like to SQLite), scoped to
    // one chat each so the others prove the process keeps serving.
    await h.store.run(
      `CREATE TRIGGER fault_threads BEFORE INSERT ON memory_threads WHEN NEW.chat_id = ${A}
       BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );
    await h.store.run(
      `CREATE TRIGGER fault_messages BEFORE INSERT ON memory_messages WHEN NEW.chat_id = ${C}
       BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
    );

    tg.sendUserMessage({ chatId: A, text: 'remember the milk' });
    tg.sendUserMessage({ chatId: B, text: 'unrelated question' });
    tg.sendUserMessage({ chatId: C, text: 'answer even if saving fails' });

    const failure = await tg.waitForBotMessage(A, (m) => /couldn't reach my memory just now — tap Retry/.test(m.text), {
      timeoutMs: 5000,
    });
    const data = retryData(failure);
    assert.ok(data, 'the failure message has a Retry button');
    await tg.waitForBotMessage(B, (m) => m.text === 'answer to: unrelated question', { timeoutMs: 5000 });
    // C: the answer exists before the memory write, so the user still gets it (the failed save is logged).
    await tg.waitForBotMessage(C, (m) => m.text === 'answer to: answer even if saving fails', { timeoutMs: 5000 });
    assert.equal(
      gemini.generateCalls().filter((r) => r.lastUserText === 'remember the milk').length,
      0,
      "A's turn stopped before the model",
    );

    // The disk frees up: Retry now answers.
    await h.store.run('DROP TRIGGER fault_threads');
    await h.store.run('DROP TRIGGER fault_messages');
    tg.pressButton({ chatId: A, messageId: failure.messageId, data: data! });
    await tg.waitForBotMessage(A, (m) => m.text === 'answer to: remember the milk', {
      timeoutMs: 5000,
      since: failure.messageId,
    });
    const ack = tg.callbackAnswers().at(-1);
    assert.equal(ack?.text, 'Trying again…', 'the press is acknowledged');

    // Every chat keeps working afterwards, including C, whose next turn is saved normally.
    tg.sendUserMessage({ chatId: C, text: 'and now?' });
    await tg.waitForBotMessage(C, (m) => m.text === 'answer to: and now?', { timeoutMs: 5000 });
    await h.app.frontEnd.dispatcher.idle();
    const saved = await h.store.query('SELECT chat_id, text FROM memory_messages WHERE role = ? ORDER BY id', ['user']);
    assert.deepEqual(
      saved.map((r) => [Number(r.chat_id), String(r.text)]),
      [
        [B, 'unrelated question'],
        [A, 'remember the milk'],
        [C, 'and now?'],
      ],
      'the failed write left nothing half-saved; the retried turn is saved once',
    );
    const states = await h.store.query(`SELECT state, COUNT(*) AS n FROM updates GROUP BY state`);
    assert.deepEqual(
      Object.fromEntries(states.map((r) => [String(r.state), Number(r.n)])),
      { done: 5 },
      'four messages and one Retry, all done',
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

test('the journal cannot record that a turn started: a short outage is waited out, a long one is reported to the user; other chats keep going', async () => {
  const D = 7404;
  const counters = crashCounters();
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `answer to: ${req.lastUserText}` }));
  const h = await startFaultApp({ tg, gemini, allowedUserIds: [D, B] });
  const breakJournal = () =>
    h.store.run(
      `CREATE TRIGGER fault_journal BEFORE UPDATE OF state ON updates WHEN NEW.chat_key = '${D}' AND NEW.state = 'running'
       BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`,
    );
  try {
    // A short outage (300 ms): the dispatcher retries and the message is answered, with no error shown.
    await breakJournal();
    tg.sendUserMessage({ chatId: D, text: 'short outage' });
    tg.sendUserMessage({ chatId: B, text: 'fine here' });
    await tg.waitForBotMessage(B, (m) => m.text === 'answer to: fine here', { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    await h.store.run('DROP TRIGGER fault_journal');
    await tg.waitForBotMessage(D, (m) => m.text === 'answer to: short outage', { timeoutMs: 5000 });
    assert.equal(tg.botMessages(D).length, 1, 'no error message for a short outage');

    // A long outage: the user is told to send it again instead of waiting in silence.
    await breakJournal();
    tg.sendUserMessage({ chatId: D, text: 'long outage' });
    const notice = await tg.waitForBotMessage(D, undefined, { timeoutMs: 6000 });
    assert.match(
      notice.text,
      /couldn't process one of your messages.*send it again/,
      'a clear message that says what to do',
    );
    assert.equal(
      gemini.generateCalls().filter((r) => r.lastUserText === 'long outage').length,
      0,
      'the turn never ran half-journaled',
    );
    await h.store.run('DROP TRIGGER fault_journal');
    tg.sendUserMessage({ chatId: D, text: 'back again' });
    await tg.waitForBotMessage(D, (m) => m.text === 'answer to: back again', { timeoutMs: 5000 });
    const row = await h.store.get(`SELECT state FROM updates WHERE payload LIKE '%long outage%'`);
    assert.equal(row?.state, 'pending', 'the unrecorded update stays pending for the next start');
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
