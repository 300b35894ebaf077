import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@libsql/client';
import { botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

const USER = 5151;

test('e2e: SIGKILL mid-turn, restart, and the turn completes exactly once', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('e2e-crash');
  let hang = true;
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    return hang ? { text: 'never delivered', hangMs: 60_000 } : { text: `Recovered answer to: ${req.lastUserText}` };
  });
  const env = botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: String(USER), PORT: '0', LOG_LEVEL: 'info' });
  let bot = await startBot({ env });
  try {
    tg.sendUserMessage({ chatId: USER, text: 'survive the crash' });
    await gemini.waitForRequests(1, { kind: 'generateOrStream', timeoutMs: 15000 });
    await bot.kill('SIGKILL');

    const client = createClient({ url: db.url });
    try {
      const rows = await client.execute('SELECT state FROM updates');
      assert.deepEqual(
        rows.rows.map((r) => r.state),
        ['running'],
        'the journal shows the interrupted turn',
      );
    } finally {
      client.close();
    }

    hang = false;
    bot = await startBot({ env });
    const answer = await tg.waitForBotMessage(USER, (m) => /Recovered answer to: survive the crash/.test(m.text), {
      timeoutMs: 15000,
      since: 'any',
    });
    assert.ok(answer);
    // Give a duplicate the chance to appear, then check the transcript holds exactly one final answer.
    await new Promise((r) => setTimeout(r, 500));
    const finals = tg.botMessages(USER).filter((m) => /answer to: survive the crash|never delivered/.test(m.text));
    assert.equal(finals.length, 1, tg.describe());
    const exit = await bot.kill('SIGTERM', 8000);
    assert.equal(exit.code, 0);

    const after = createClient({ url: db.url });
    try {
      const rows = await after.execute('SELECT state, attempts FROM updates');
      assert.deepEqual(
        rows.rows.map((r) => [r.state, Number(r.attempts)]),
        [['done', 2]],
      );
      const stored = await after.execute(
        `SELECT role FROM memory_messages WHERE turn_id = 'update:' || (SELECT update_id FROM updates) ORDER BY role`,
      );
      assert.deepEqual(
        stored.rows.map((r) => r.role),
        ['model', 'user'],
        'the turn is persisted once',
      );
    } finally {
      after.close();
    }
  } finally {
    if (!bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
