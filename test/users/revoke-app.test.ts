/**
 * Issue 11 point 2 through the whole application (src/app.ts as main.ts wires it) against the fakes: revoking in
 * /users, and a restart without the user in ALLOWED_USER_IDS, both stop the user's jobs and approvals, tell the owner,
 * and leave no path (scheduled run, journal replay, old button, sweep) that calls the model for them or messages them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { SYSTEM, buttonsOf, lastFunctionResponses } from '../e2e/acceptance-support.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';

const OWNER = 5101;
const USER = 5202;

/** Router → assistant → http_fetch of a host outside the allowlist, so the call waits for approval. */
function scriptFetch(gemini: FakeGemini): void {
  gemini.setHandler((req) => {
    if (req.kind === 'embed' || req.kind === 'countTokens') return undefined;
    const answered = lastFunctionResponses(req).length > 0;
    if (req.systemText.includes(SYSTEM.router)) {
      return answered
        ? { text: 'Done.' }
        : { functionCalls: [{ name: 'agent_assistant', args: { task: req.lastUserText } }] };
    }
    if (req.systemText.includes(SYSTEM.assistant)) {
      return answered
        ? { text: 'Here is the report.' }
        : { functionCalls: [{ name: 'http_fetch', args: { url: 'https://example.com/report?id=7' } }] };
    }
    return { text: 'ok' };
  });
}

/** USER asks for something that needs approval, and has a daily briefing and a reminder. Returns the prompt. */
async function giveUserWork(tg: FakeTelegram, whole: WholeApp): Promise<{ prompt: TranscriptEntry; jobIds: string[] }> {
  tg.sendUserMessage({ chatId: USER, text: 'fetch the report from example.com', firstName: 'Nick' });
  const prompt = await tg.waitForBotMessage(USER, (m) => buttonsOf(m).some((b) => b.data.startsWith('ap:')), {
    since: 'any',
  });
  const jobIds: string[] = [];
  for (const [kind, text, cron] of [
    ['prompt', 'morning briefing', '0 7 * * *'],
    ['reminder', 'take the pills', '0 21 * * *'],
  ] as const) {
    const created = await whole.app.scheduler.create({
      ownerUserId: USER,
      chat: { chatId: USER, type: 'private' },
      kind,
      text,
      when: { cron },
      announce: false,
    });
    jobIds.push(created.job.id);
  }
  await whole.app.frontEnd.dispatcher.idle();
  return { prompt, jobIds };
}

const generateCalls = (gemini: FakeGemini) => gemini.generateCalls().length;
const sendsTo = (tg: FakeTelegram, chatId: number) =>
  tg.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === chatId).length;

test('whole app: revoking in /users pauses the jobs, cancels the approval, tells the owner; nothing runs or is sent for them afterwards', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  scriptFetch(gemini);
  const whole = await startWholeApp({ tg, gemini, allowedUserIds: [OWNER, USER] });
  try {
    const { prompt, jobIds } = await giveUserWork(tg, whole);
    tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const list = await tg.waitForBotMessage(OWNER, (m) => /Users \(/.test(m.text));
    const revoke = buttonsOf(list).find((b) => b.data.startsWith(`sys:acc:r:${USER}:`));
    assert.ok(revoke, 'a Revoke button for the user');
    tg.pressButton({ chatId: OWNER, messageId: list.messageId, data: revoke.data, userId: OWNER });
    const report = await tg.waitForBotMessage(OWNER, (m) => /Revoked/.test(m.text), { since: list.messageId });
    assert.match(report.text, /paused their 2 scheduled jobs/);
    assert.match(report.text, /“morning briefing”/);
    assert.match(report.text, /cancelled one request waiting for a decision/);
    await tg.waitForBotMessage(USER, (m) => /revoked/.test(m.text), { since: 'any' });
    for (const id of jobIds) assert.equal((await whole.app.scheduler.get(id))?.enabled, false);
    await tg.waitFor(() => tg.message(USER, prompt.messageId)?.reply_markup === undefined || undefined);

    const calls = generateCalls(gemini);
    const sent = sendsTo(tg, USER);
    // The old Approve button, a manual run of their job, and a sweep: none of them reach the model or the user.
    const approve = buttonsOf(prompt).find((b) => b.data.startsWith('ap:') && b.data.endsWith(':y'))!;
    const answers = tg.callbackAnswers().length;
    tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: approve.data, userId: USER });
    await tg.waitFor(() => tg.callbackAnswers()[answers]);
    await whole.app.scheduler.runNow(jobIds[0]!);
    await whole.app.scheduler.idle();
    await whole.app.approvals.sweep();
    await whole.app.approvals.idle();
    assert.equal(generateCalls(gemini), calls, 'no model call');
    assert.equal(sendsTo(tg, USER), sent, 'nothing sent to them');
    assert.equal((await whole.app.scheduler.get(jobIds[0]!))?.lastStatus, 'skipped');
  } finally {
    await whole.close();
    await tg.close();
    await gemini.close();
  }
});

test('whole app: after a restart without the user in ALLOWED_USER_IDS their work stops at once, the journal replay stays silent, and re-adding them lets them in', async () => {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  scriptFetch(gemini);
  const db = tempDbUrl('revoke-restart');
  try {
    const first = await startWholeApp({ tg, gemini, allowedUserIds: [OWNER, USER], db });
    const { prompt, jobIds } = await giveUserWork(tg, first);
    tg.sendUserMessage({ chatId: USER, text: '/help', firstName: 'Nick' });
    await tg.waitForBotMessage(USER, (m) => /What I can do/.test(m.text));
    await first.close();
    // Crash window: their last update is unfinished in the journal, so the next start replays it.
    const raw = await createStore({ url: db.url, migrations });
    await raw.run(`UPDATE updates SET state = 'pending', owner = NULL, lease_until = 0 WHERE payload LIKE '%/help%'`);
    await raw.close();
    await new Promise((r) => setTimeout(r, 1100)); // Telegram dates are whole seconds

    const calls = generateCalls(gemini);
    const sent = sendsTo(tg, USER);
    const second = await startWholeApp({ tg, gemini, allowedUserIds: [OWNER], db });
    try {
      const notice = await tg.waitForBotMessage(OWNER, (m) => /Access check/.test(m.text), { since: 'any' });
      assert.match(notice.text, new RegExp(`Nick \\[id ${USER}\\] is no longer in ALLOWED_USER_IDS`));
      assert.match(notice.text, /paused their 2 scheduled jobs/);
      assert.match(notice.text, /cancelled one request/);
      assert.match(notice.text, /add them back to ALLOWED_USER_IDS/);
      for (const id of jobIds) assert.equal((await second.app.scheduler.get(id))?.enabled, false);
      const approval = await second.store.get('SELECT status FROM approvals');
      assert.equal(approval?.status, 'denied');
      await tg.waitFor(() => tg.message(USER, prompt.messageId)?.reply_markup === undefined || undefined);

      for (let i = 0; i < 100; i++) {
        const row = await second.store.get(`SELECT state FROM updates WHERE payload LIKE '%/help%'`);
        if (row?.state === 'done') break;
        await new Promise((r) => setTimeout(r, 30));
      }
      await second.app.frontEnd.dispatcher.idle();
      await second.app.scheduler.runNow(jobIds[0]!);
      await second.app.scheduler.idle();
      assert.equal(generateCalls(gemini), calls, 'no model call for them');
      assert.equal(sendsTo(tg, USER), sent, 'nothing sent to them: no replayed answer, no notice, no job');
    } finally {
      await second.close();
    }

    const third = await startWholeApp({ tg, gemini, allowedUserIds: [OWNER, USER], db });
    try {
      tg.sendUserMessage({ chatId: USER, text: '/help' });
      await tg.waitForBotMessage(USER, (m) => /What I can do/.test(m.text));
    } finally {
      await third.close();
    }
  } finally {
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
});
