import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startInbound } from './inbound-harness.ts';

const OWNER = 111;
const STRANGER = 222;

test('allowlist: a stranger gets one short reply, and only metadata is journaled', async () => {
  const h = await startInbound({ allowedUserIds: [OWNER] });
  try {
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'my secret question about taxes' });
    const reply = await h.tg.waitForBotMessage(STRANGER);
    assert.match(reply.text, /private assistant/i);
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hello again, secret' });
    await h.fe.dispatcher.idle();
    await h.tg.waitFor(() => h.tg.pendingUpdates() === 0);
    await waitJournal(h, 2);
    assert.equal(h.tg.botMessages(STRANGER).length, 1, 'at most one notice per day');
    const rows = await h.store.query('SELECT payload, state FROM updates ORDER BY update_id');
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.doesNotMatch(String(r.payload), /secret|taxes/);
      assert.equal(r.state, 'done');
    }
    const user = await h.store.get('SELECT * FROM users WHERE id = ?', [STRANGER]);
    assert.equal(user, undefined, 'no user record for strangers');
  } finally {
    await h.close();
  }
});

test('allowlist: an allowed user passes access (commands answered)', async () => {
  const h = await startInbound({ allowedUserIds: [OWNER] });
  try {
    h.tg.sendUserMessage({ chatId: OWNER, text: '/help' });
    const reply = await h.tg.waitForBotMessage(OWNER);
    assert.match(reply.text, /What I can do/);
  } finally {
    await h.close();
  }
});

test('owner mode: first /start owns the bot; a newcomer waits; the owner approves; the newcomer is served', async () => {
  const h = await startInbound();
  try {
    h.tg.sendUserMessage({ chatId: OWNER, text: '/start', firstName: 'Olga' });
    await h.tg.waitForBotMessage(OWNER, (m) => /time zone/i.test(m.text));
    assert.equal((await h.users.get(OWNER))?.access, 'owner');

    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hi there, private stuff', firstName: 'Nick' });
    const waiting = await h.tg.waitForBotMessage(STRANGER);
    assert.match(waiting.text, /asked its owner/i);
    const prompt = await h.tg.waitForBotMessage(OWNER, (m) => /Nick/.test(m.text), { since: 'any' });
    assert.match(prompt.text, /would like to use/);

    // A second message does not prompt the owner again.
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hello?' });
    await h.tg.waitForBotMessage(STRANGER, (m) => /still waiting/i.test(m.text));
    assert.equal(h.tg.botMessages(OWNER).filter((m) => /would like to use/.test(m.text)).length, 1);

    // Only the owner may decide.
    h.tg.pressButton({ chatId: OWNER, messageId: prompt.messageId, data: `sys:acc:y:${STRANGER}`, userId: OWNER });
    await h.tg.waitForBotMessage(STRANGER, (m) => /You're in/.test(m.text), { since: 'any' });
    assert.equal((await h.users.get(STRANGER))?.access, 'allowed');
    await h.tg.waitFor(() => h.tg.message(OWNER, prompt.messageId)?.text?.startsWith('✅ Approved'));

    h.tg.sendUserMessage({ chatId: STRANGER, text: '/help' });
    const served = await h.tg.waitForBotMessage(STRANGER);
    assert.match(served.text, /What I can do/);

    const pendingRows = await h.store.query(`SELECT payload FROM updates WHERE payload LIKE '%private stuff%'`);
    assert.equal(pendingRows.length, 0, "a waiting user's text is not stored");
  } finally {
    await h.close();
  }
});

test('owner mode: two simultaneous first /start calls produce exactly one owner', async () => {
  const h = await startInbound();
  try {
    const results = await Promise.all(
      [301, 302, 303, 304].map((id) => h.users.claimOwner({ id, first_name: `u${id}` })),
    );
    assert.equal(results.filter((r) => r.won).length, 1);
    const owners = await h.store.query(`SELECT id FROM users WHERE access = 'owner'`);
    assert.equal(owners.length, 1);
  } finally {
    await h.close();
  }
});

test('owner can list users and revoke access; a non-owner cannot press access buttons', async () => {
  const h = await startInbound();
  try {
    h.tg.sendUserMessage({ chatId: OWNER, text: '/start' });
    await h.tg.waitForBotMessage(OWNER);
    await h.users.setAccess(STRANGER, 'allowed');
    h.tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const list = await h.tg.waitForBotMessage(OWNER, (m) => /Users \(/.test(m.text));
    assert.match(list.text, new RegExp(String(STRANGER)));

    h.tg.pressButton({ chatId: OWNER, messageId: list.messageId, data: `sys:acc:r:${STRANGER}`, userId: STRANGER });
    await h.tg.waitFor(() => h.tg.callbackAnswers().some((a) => /Only the owner/.test(a.text ?? '')));

    h.tg.pressButton({ chatId: OWNER, messageId: list.messageId, data: `sys:acc:r:${STRANGER}`, userId: OWNER });
    await h.tg.waitForBotMessage(STRANGER, (m) => /revoked/.test(m.text), { since: 'any' });
    assert.equal(await h.users.isServed(STRANGER), false);
  } finally {
    await h.close();
  }
});

async function waitJournal(h: Awaited<ReturnType<typeof startInbound>>, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await h.store.get(`SELECT COUNT(*) AS n FROM updates WHERE state IN ('done','failed','ignored')`);
    if (Number(r?.n) >= n) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('journal did not settle');
}
