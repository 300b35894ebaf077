import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type ChildBot, botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';

/**
 * The journal lease with two real processes on one database (webhook mode, as behind a load balancer or during a
 * rolling restart): an instance starting while another is mid-turn leaves that turn alone, and when the busy
 * instance is SIGKILLed the survivor takes the unfinished turn over and answers it exactly once.
 */
const USER = 7301;
const SECRET = 'journal-lease_secret';
const LEASE_MS = 1000; // heartbeat every 250 ms, orphan scan every ~333 ms

interface Instance {
  bot: ChildBot;
  url: string;
  id: string;
}

test('journal lease: B starting while A is mid-turn does not run A’s turn; after A is SIGKILLed, B answers it exactly once', async (t) => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('journal-lease');
  let hang = true;
  const turnCalls: string[] = [];
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    if (req.systemText.includes('You extract durable facts')) return { text: '[]' };
    turnCalls.push(req.lastUserText);
    if (req.lastUserText.includes('slow turn') && hang) return { text: 'never delivered', hangMs: 60_000 };
    return { text: `Reply to: ${req.lastUserText}` };
  });
  const env = botEnv(tg, gemini, db.url, {
    ALLOWED_USER_IDS: `${USER},${USER + 1}`,
    PORT: '0',
    BOT_MODE: 'webhook',
    WEBHOOK_URL: 'https://bot.example.test/hook',
    WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: 'info',
    JOURNAL_LEASE_MS: String(LEASE_MS),
  });
  const start = async (): Promise<Instance> => {
    const bot = await startBot({ env, waitForPollMs: 0 });
    const listening = await bot.waitForLog((_l, j) => j?.msg === 'http server listening', 15000);
    const ready = await bot.waitForLog((_l, j) => j?.msg === 'webhook registered', 15000);
    const port = Number((JSON.parse(listening) as { port: number }).port);
    return {
      bot,
      url: `http://127.0.0.1:${port}/hook`,
      id: String((JSON.parse(ready) as { instance: string }).instance),
    };
  };
  const post = async (to: Instance, update: unknown): Promise<number> => {
    const res = await fetch(to.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update),
    });
    await res.arrayBuffer();
    return res.status;
  };
  const store = await createStore({ url: db.url, migrations });
  const callsFor = (text: string): number => turnCalls.filter((t) => t.includes(text)).length;
  const instances: Instance[] = [];
  try {
    const a = await start();
    instances.push(a);
    const slow = tg.sendUserMessage({ chatId: USER, text: 'a slow turn that A is working on' });
    assert.equal(await post(a, slow), 200, 'A journals the update');
    await gemini.waitForRequests(1, { kind: 'generateOrStream', timeoutMs: 15000 });
    assert.equal(callsFor('slow turn'), 1, 'A called the model for its turn');

    // B starts while A is mid-turn: its start-up recovery and several periodic scans must leave A's turn alone.
    const b = await start();
    instances.push(b);
    assert.notEqual(a.id, b.id, 'each process has its own instance id');
    const other = tg.sendUserMessage({ chatId: USER + 1, text: 'B serves its own traffic meanwhile' });
    assert.equal(await post(b, other), 200, 'B accepts other updates');
    await tg.waitForBotMessage(USER + 1, (m) => m.text.startsWith('Reply to: B serves'), { timeoutMs: 10000 });
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS)); // three leases: A's heartbeat must keep extending its own
    assert.equal(callsFor('slow turn'), 1, `B did not re-run A's turn (model calls: ${JSON.stringify(turnCalls)})`);
    const row = await store.get(`SELECT state, owner, attempts, lease_until FROM updates WHERE update_id = ?`, [
      slow.update_id,
    ]);
    assert.deepEqual(
      [row?.state, row?.owner, Number(row?.attempts)],
      ['running', a.id, 1],
      'A still owns its running turn',
    );
    assert.ok(
      Number(row?.lease_until) > Date.now(),
      `A's heartbeat keeps the lease in the future (${Number(row?.lease_until) - Date.now()} ms left)`,
    );
    assert.equal(
      b.bot.jsonLogs().filter((j) => j.msg === 'resuming unfinished updates from the journal').length,
      0,
      'B never resumed anything',
    );

    // A dies without a chance to clean up. B takes the turn over and answers it once.
    hang = false;
    const killedAt = Date.now();
    await a.bot.kill('SIGKILL');
    const answer = await tg.waitForBotMessage(USER, (m) => m.text === 'Reply to: a slow turn that A is working on', {
      timeoutMs: 15000,
      since: 'any',
    });
    const takeoverMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 500)); // let a duplicate show up, if any
    const finals = tg.botMessages(USER).filter((m) => /slow turn|never delivered/.test(m.text));
    assert.deepEqual(
      finals.map((m) => m.messageId),
      [answer.messageId],
      `exactly one final answer\n${tg.describe()}`,
    );
    assert.equal(callsFor('slow turn'), 2, 'the model was called once by A (lost with it) and once by B');
    const after = await store.get(`SELECT state, owner, attempts FROM updates WHERE update_id = ?`, [slow.update_id]);
    assert.deepEqual(
      [after?.state, after?.owner, Number(after?.attempts)],
      ['done', b.id, 2],
      'B finished it as the second attempt',
    );
    const resumed = b.bot.jsonLogs().filter((j) => j.msg === 'resuming unfinished updates from the journal');
    assert.deepEqual(
      resumed.map((j) => j.count),
      [1],
      'B resumed exactly one update, once',
    );
    t.diagnostic(`B answered the taken-over turn ${takeoverMs} ms after A was killed (lease ${LEASE_MS} ms)`);

    const exit = await b.bot.kill('SIGTERM', 10000);
    assert.equal(exit.code, 0, b.bot.logs().slice(-15).join('\n'));
    assert.deepEqual(
      await store.query('SELECT id FROM journal_instances'),
      [],
      "B removed its record on stop, and the dead A's on takeover",
    );
    const errors = b.bot.jsonLogs().filter((j) => Number(j.level) >= 50);
    assert.deepEqual(errors, [], 'no errors logged by B');
  } finally {
    for (const instance of instances) if (!instance.bot.hasExited()) await instance.bot.kill('SIGKILL');
    await store.close();
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
