import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TranscriptEntry } from '../support/fake-telegram.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { startInbound } from './inbound-harness.ts';

const OWNER = 111;
const STRANGER = 222;
const GROUP = -100_777;

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

test('owner mode: plain /start does not claim the bot; /start with the pairing code from the log does', async () => {
  const h = await startInbound();
  try {
    const code = await h.users.issuePairingCode();
    assert.ok(code);
    h.tg.sendUserMessage({ chatId: STRANGER, text: '/start', firstName: 'Eve' });
    const refused = await h.tg.waitForBotMessage(STRANGER);
    assert.match(refused.text, /pairing code/i);
    assert.match(refused.text, /log/i);
    assert.equal(await h.users.ownerId(), undefined, 'being first to send /start is not enough');

    h.tg.sendUserMessage({ chatId: STRANGER, text: '/start AAAAA-BBBBB' });
    const wrong = await h.tg.waitForBotMessage(STRANGER);
    assert.match(wrong.text, /isn't the current pairing code/);
    assert.equal(await h.users.ownerId(), undefined);

    h.tg.sendUserMessage({ chatId: OWNER, text: `/start ${code.toLowerCase()}`, firstName: 'Olga' });
    await h.tg.waitForBotMessage(OWNER, (m) => /time zone/i.test(m.text));
    assert.equal((await h.users.get(OWNER))?.access, 'owner');

    // Single-use: the same code from someone else is now just an access request.
    h.tg.sendUserMessage({ chatId: STRANGER, text: `/start ${code}`, firstName: 'Eve' });
    await h.tg.waitForBotMessage(STRANGER, (m) => /asked its owner/i.test(m.text));
    assert.equal(await h.users.ownerId(), OWNER);
    assert.equal((await h.users.get(STRANGER))?.access, 'pending');
  } finally {
    await h.close();
  }
});

test('owner mode: sending just the code claims the bot; a code from an earlier start no longer works', async () => {
  const h = await startInbound();
  try {
    const old = await h.users.issuePairingCode();
    const current = await h.users.issuePairingCode();
    assert.ok(old && current && old !== current);
    h.tg.sendUserMessage({ chatId: OWNER, text: old });
    await h.tg.waitForBotMessage(OWNER, (m) => /isn't the current pairing code/.test(m.text));
    h.tg.sendUserMessage({ chatId: OWNER, text: current });
    await h.tg.waitForBotMessage(OWNER, (m) => /owner of this assistant now/.test(m.text));
    assert.equal(await h.users.ownerId(), OWNER);
    assert.equal(await h.users.issuePairingCode(), undefined, 'no code once the bot has an owner');
    const stored = await h.store.query('SELECT code_hash FROM owner_pairing');
    assert.equal(stored.length, 0);
  } finally {
    await h.close();
  }
});

test('owner mode: the owner approves a newcomer from the prompt; the newcomer is served', async () => {
  const h = await startInbound();
  try {
    await makeOwner(h);
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hi there, private stuff', firstName: 'Nick' });
    const waiting = await h.tg.waitForBotMessage(STRANGER);
    assert.match(waiting.text, /asked its owner/i);
    const prompt = await h.tg.waitForBotMessage(OWNER, (m) => /Nick/.test(m.text), { since: 'any' });
    assert.match(prompt.text, /would like to use/);

    // A second message does not prompt the owner again.
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hello?' });
    await h.tg.waitForBotMessage(STRANGER, (m) => /still waiting/i.test(m.text));
    assert.equal(h.tg.botMessages(OWNER).filter((m) => /would like to use/.test(m.text)).length, 1);

    // Only the owner may decide (the waiting user doesn't even get past the gate).
    const approve = dataOf(prompt, /Approve/);
    assert.match((await press(h, OWNER, prompt.messageId, approve, STRANGER)).text ?? '', /private assistant/);
    assert.equal((await h.users.get(STRANGER))?.access, 'pending');
    await press(h, OWNER, prompt.messageId, approve, OWNER);
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

test('owner mode: two simultaneous claims with the pairing code produce exactly one owner', async () => {
  const h = await startInbound();
  try {
    const code = await h.users.issuePairingCode();
    assert.ok(code);
    const results = await Promise.all(
      [301, 302, 303, 304].map((id) => h.users.claimOwner({ id, first_name: `u${id}` }, code)),
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
    await makeOwner(h);
    await h.users.setAccess(STRANGER, 'allowed');
    h.tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const list = await h.tg.waitForBotMessage(OWNER, (m) => /Users \(/.test(m.text));
    assert.match(list.text, new RegExp(String(STRANGER)));
    const revoke = dataOf(list, /Revoke/);

    assert.match((await press(h, OWNER, list.messageId, revoke, STRANGER)).text ?? '', /Only the owner/);
    await press(h, OWNER, list.messageId, revoke, OWNER);
    await h.tg.waitForBotMessage(STRANGER, (m) => /revoked/.test(m.text), { since: 'any' });
    assert.equal(await h.users.isServed(STRANGER), false);
  } finally {
    await h.close();
  }
});

test('owner mode: revocation is sticky (no new request) until the owner lets the user back in from /users', async () => {
  const h = await startInbound();
  try {
    await makeOwner(h);
    await h.users.setAccess(STRANGER, 'allowed');
    h.tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const list = await h.tg.waitForBotMessage(OWNER, (m) => /Users \(/.test(m.text));
    await press(h, OWNER, list.messageId, dataOf(list, /Revoke/), OWNER);
    await h.tg.waitForBotMessage(STRANGER, (m) => /revoked/.test(m.text), { since: 'any' });

    h.tg.sendUserMessage({ chatId: STRANGER, text: 'let me in again please', firstName: 'Nick' });
    const notice = await h.tg.waitForBotMessage(STRANGER);
    assert.match(notice.text, /private assistant/);
    await h.fe.dispatcher.idle();
    assert.equal(
      h.tg.botMessages(OWNER).filter((m) => /would like to use/.test(m.text)).length,
      0,
      'no fresh access request',
    );
    assert.equal((await h.users.get(STRANGER))?.access, 'revoked');

    h.tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const again = await h.tg.waitForBotMessage(OWNER, (m) => /Users \(/.test(m.text));
    assert.match(again.text, /revoked/);
    await press(h, OWNER, again.messageId, dataOf(again, /back in/), OWNER);
    await h.tg.waitForBotMessage(STRANGER, (m) => /You're in/.test(m.text), { since: 'any' });
    h.tg.sendUserMessage({ chatId: STRANGER, text: '/help' });
    assert.match((await h.tg.waitForBotMessage(STRANGER)).text, /What I can do/);
  } finally {
    await h.close();
  }
});

test("a decision in /users settles the request: the older prompt's Approve no longer lets the user in", async () => {
  const h = await startInbound();
  try {
    await makeOwner(h);
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hello', firstName: 'Nick' });
    const prompt = await h.tg.waitForBotMessage(OWNER, (m) => /would like to use/.test(m.text), { since: 'any' });
    const approve = dataOf(prompt, /Approve/);

    h.tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const list = await h.tg.waitForBotMessage(OWNER, (m) => /Users \(/.test(m.text));
    await press(h, OWNER, list.messageId, dataOf(list, /Deny/), OWNER);
    await h.tg.waitForBotMessage(STRANGER, (m) => /declined/.test(m.text), { since: 'any' });
    // The prompt's buttons went with the decision…
    await h.tg.waitFor(() => h.tg.message(OWNER, prompt.messageId)?.reply_markup === undefined || undefined);
    assert.match(h.tg.message(OWNER, prompt.messageId)?.text ?? '', /Denied/);

    // …and a press that still arrives (an old client, a second copy) changes nothing.
    const answer = await press(h, OWNER, prompt.messageId, approve, OWNER);
    assert.equal(answer.text, 'This request was already decided (denied) — use /users to change it.');
    assert.equal((await h.users.get(STRANGER))?.access, 'denied');
    assert.equal(await h.users.isServed(STRANGER), false);
    assert.equal(h.tg.botMessages(STRANGER).filter((m) => /You're in/.test(m.text)).length, 0);

    // A button from before this change (no version) is refused too.
    const legacy = await press(h, OWNER, prompt.messageId, `sys:acc:y:${STRANGER}`, OWNER);
    assert.match(legacy.text ?? '', /older version/);
    assert.equal((await h.users.get(STRANGER))?.access, 'denied');
  } finally {
    await h.close();
  }
});

test('access prompts expire after 24 hours (injected clock): Approve then does nothing and the buttons go', async () => {
  const clock = createManualClock(Date.now());
  const h = await startInbound({ usersClock: clock });
  try {
    await makeOwner(h);
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hello', firstName: 'Nick' });
    const prompt = await h.tg.waitForBotMessage(OWNER, (m) => /would like to use/.test(m.text), { since: 'any' });
    clock.set(clock.now() + 24 * 60 * 60 * 1000 + 1);

    const answer = await press(h, OWNER, prompt.messageId, dataOf(prompt, /Approve/), OWNER);
    assert.equal(await h.users.isServed(STRANGER), false);
    assert.match(answer.text ?? '', /expired/);
    assert.match(prompt.text, /expires in 24 hours/);
    await h.tg.waitFor(() => h.tg.message(OWNER, prompt.messageId)?.reply_markup === undefined || undefined);

    // Writing again makes a fresh request (a new prompt), which the owner can approve.
    h.tg.sendUserMessage({ chatId: STRANGER, text: 'hello again', firstName: 'Nick' });
    await h.tg.waitForBotMessage(STRANGER, (m) => /asked its owner/.test(m.text));
    const fresh = await h.tg.waitForBotMessage(
      OWNER,
      (m) => /would like to use/.test(m.text) && m.messageId > prompt.messageId,
      { since: 'any' },
    );
    await press(h, OWNER, fresh.messageId, dataOf(fresh, /Approve/), OWNER);
    await h.tg.waitForBotMessage(STRANGER, (m) => /You're in/.test(m.text), { since: 'any' });
    assert.equal(await h.users.isServed(STRANGER), true);
  } finally {
    await h.close();
  }
});

test('/users answers only in a private chat with the owner: in a group it shows nothing', async () => {
  const h = await startInbound();
  try {
    await makeOwner(h);
    await h.users.setAccess(STRANGER, 'allowed');
    h.tg.sendUserMessage({ chatId: GROUP, userId: OWNER, text: '/users', chatTitle: 'Family' });
    const reply = await h.tg.waitForBotMessage(GROUP);
    assert.match(reply.text, /private chat/);
    assert.doesNotMatch(reply.text, new RegExp(String(STRANGER)));
    assert.equal(buttons(reply).length, 0);
  } finally {
    await h.close();
  }
});

type Inb = Awaited<ReturnType<typeof startInbound>>;
type Markup = { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;
const buttons = (m: TranscriptEntry | undefined) => ((m?.replyMarkup as Markup)?.inline_keyboard ?? []).flat();
/** Callback data of the button whose label matches. */
function dataOf(m: TranscriptEntry, label: RegExp): string {
  const data = buttons(m).find((b) => label.test(b.text))?.callback_data;
  assert.ok(data, `a button labelled ${label} in ${JSON.stringify(buttons(m))}`);
  return data;
}

/** The owner, for tests that are not about claiming the bot. */
async function makeOwner(h: Inb): Promise<void> {
  await h.users.setAccess(OWNER, 'owner');
}

async function press(h: Inb, chatId: number, messageId: number, data: string, userId: number) {
  const before = h.tg.callbackAnswers().length;
  h.tg.pressButton({ chatId, messageId, data, userId });
  return h.tg.waitFor(() => h.tg.callbackAnswers()[before], { label: `answer to ${data}` });
}

async function waitJournal(h: Awaited<ReturnType<typeof startInbound>>, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await h.store.get(`SELECT COUNT(*) AS n FROM updates WHERE state IN ('done','failed','ignored')`);
    if (Number(r?.n) >= n) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('journal did not settle');
}
