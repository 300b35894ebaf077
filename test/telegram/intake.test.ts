import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { realChat, startInbound } from './inbound-harness.ts';

const A = 501;
const B = 502;

function textOf(req: { lastUserText: string }): string {
  return req.lastUserText;
}

test('per-chat order under concurrency, and chats run in parallel', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) =>
    req.kind === 'embed' ? undefined : { text: `answer to ${textOf(req).match(/[AB]\d/)?.[0]}`, delayMs: 300 },
  );
  const h = await startInbound({ allowedUserIds: [A, B], chat: realChat(gemini) });
  try {
    for (const t of ['A1', 'A2', 'A3']) h.tg.sendUserMessage({ chatId: A, text: `msg ${t}` });
    h.tg.sendUserMessage({ chatId: B, text: 'msg B1' });
    await h.tg.waitFor(() => h.tg.botMessages(A).filter((m) => m.text.startsWith('answer')).length === 3, {
      timeoutMs: 10000,
    });
    await h.tg.waitFor(() => h.tg.botMessages(B).some((m) => m.text === 'answer to B1'), { timeoutMs: 5000 });
    assert.deepEqual(
      h.tg
        .botMessages(A)
        .filter((m) => m.text.startsWith('answer'))
        .map((m) => m.text),
      ['answer to A1', 'answer to A2', 'answer to A3'],
    );
    const gen = gemini.generateCalls();
    const startOf = (tag: string) => gen.find((r) => r.lastUserText.includes(`msg ${tag}`))?.at ?? Number.NaN;
    // Chat A is sequential: A2's model call starts only after A1's answer (≥ 300 ms later).
    assert.ok(startOf('A2') - startOf('A1') >= 250, `A2 waited for A1 (${startOf('A2') - startOf('A1')} ms)`);
    // Chat B did not wait for chat A.
    assert.ok(
      Math.abs(startOf('B1') - startOf('A1')) < 250,
      `B1 ran alongside A1 (${startOf('B1') - startOf('A1')} ms)`,
    );
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('a message queued behind a long turn gets a short "queued" notice', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: 'done', delayMs: 600 }));
  const h = await startInbound({ allowedUserIds: [A], chat: realChat(gemini), config: { queuedNoticeMs: 150 } });
  try {
    h.tg.sendUserMessage({ chatId: A, text: 'first question' });
    await gemini.waitForRequests(1, { kind: 'generateOrStream' });
    h.tg.sendUserMessage({ chatId: A, text: 'second question' });
    await h.tg.waitForBotMessage(A, (m) => /right after the current reply/.test(m.text));
    await h.tg.waitFor(() => h.tg.botMessages(A).filter((m) => m.text === 'done').length === 2, { timeoutMs: 5000 });
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('a duplicate update_id is journaled once and answered once', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: 'only once' }));
  const h = await startInbound({ allowedUserIds: [A], chat: realChat(gemini) });
  try {
    const raw = {
      update_id: 900001,
      message: {
        message_id: 77,
        date: Math.floor(Date.now() / 1000),
        chat: { id: A, type: 'private', first_name: 'A' },
        from: { id: A, is_bot: false, first_name: 'A' },
        text: 'duplicate me',
      },
    };
    h.tg.enqueueUpdate(raw);
    h.tg.enqueueUpdate(raw);
    await h.tg.waitForBotMessage(A, (m) => m.text === 'only once', { since: 'any' });
    await h.tg.waitFor(() => h.tg.pendingUpdates() === 0);
    await h.fe.dispatcher.idle();
    // One more update proves the poll loop moved past both copies.
    h.tg.sendUserMessage({ chatId: A, text: 'next' });
    await h.tg.waitFor(() => h.tg.botMessages(A).length === 2, { timeoutMs: 5000 });
    assert.equal(h.tg.botMessages(A).length, 2, 'one answer for the duplicated update, one for the next');
    assert.equal(gemini.generateCalls().filter((r) => r.lastUserText.includes('duplicate me')).length, 1);
    const rows = await h.store.query('SELECT update_id FROM updates WHERE update_id = 900001');
    assert.equal(rows.length, 1);
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('unknown update kinds are journaled as ignored without errors', async () => {
  const h = await startInbound({ allowedUserIds: [A] });
  try {
    h.tg.enqueueUpdate({
      update_id: 800001,
      poll: {
        id: 'p1',
        question: 'q?',
        options: [],
        total_voter_count: 0,
        is_closed: false,
        is_anonymous: true,
        type: 'regular',
        allows_multiple_answers: false,
      },
    });
    h.tg.enqueueUpdate({
      update_id: 800002,
      message_reaction: {
        chat: { id: A, type: 'private' },
        message_id: 1,
        date: 1,
        old_reaction: [],
        new_reaction: [],
      },
    });
    h.tg.sendUserMessage({ chatId: A, text: '/help' });
    await h.tg.waitForBotMessage(A);
    const rows = await h.store.query(
      `SELECT update_id, kind, state, payload FROM updates WHERE update_id >= 800001 AND kind <> 'message' ORDER BY update_id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.kind, r.state]),
      [
        ['poll', 'ignored'],
        ['message_reaction', 'ignored'],
      ],
    );
    assert.equal(JSON.parse(String(rows[0]?.payload)).poll, undefined, 'ignored kinds keep no content');
    assert.equal(h.fe.dispatcher.stats().failed, 0);
  } finally {
    await h.close();
  }
});

test('/stop cancels a hanging turn and the reply says it stopped', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: 'too late', hangMs: 20_000 }));
  const h = await startInbound({ allowedUserIds: [A], chat: realChat(gemini) });
  try {
    h.tg.sendUserMessage({ chatId: A, text: 'think very hard' });
    await gemini.waitForRequests(1, { kind: 'generateOrStream' });
    h.tg.sendUserMessage({ chatId: A, text: '/stop' });
    await h.tg.waitForBotMessage(A, (m) => m.text === '⏹ Stopped.', { since: 'any' });
    await h.tg.waitForBotMessage(A, (m) => /stopped/i.test(m.text) && m.text !== '⏹ Stopped.', {
      since: 'any',
      timeoutMs: 5000,
    });
    await h.fe.dispatcher.idle();
    assert.ok(!h.tg.botMessages(A).some((m) => m.text === 'too late'));
    const row = await h.store.get(`SELECT state FROM updates WHERE payload LIKE '%think very hard%'`);
    assert.equal(row?.state, 'done');
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('/healthz answers in polling mode', async () => {
  const h = await startInbound({ allowedUserIds: [A] });
  try {
    await h.tg.waitFor(() => h.tg.stats.getUpdates > 0);
    const res = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.mode, 'polling');
    assert.equal(body.db, 'ok');
    assert.equal(typeof body.uptimeSeconds, 'number');
  } finally {
    await h.close();
  }
});
