/**
 * Issue 11 point 2 through the real modules: revoking a user in /users (real access feature, real grammY) pauses
 * their jobs, denies their pending approvals and questions, closes the prompts and tells the owner; afterwards the
 * manual clock, the scheduler, the sweeper and the old buttons produce no model call and no message for them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCESS_ENDED_PROMPT_TEXT } from '../../src/approvals/cancel-user.ts';
import { ACCESS_ENDED_REASON } from '../../src/scheduler/pause-owner.ts';
import { createRevocation } from '../../src/users/revoke.ts';
import { PRIVATE_NOTICE } from '../../src/telegram/features/access.ts';
import { OWNER, USER, buttonData, createWorld } from './world.ts';

const MIN = 60_000;

test('revoking a user in /users stops their jobs, approvals and questions for good, and tells the owner what was paused', async () => {
  const w = await createWorld();
  const revocation = createRevocation({
    store: w.h.store,
    outbox: w.h.outbox,
    users: w.h.users,
    clock: w.clock,
    log: w.log,
  });
  w.h.users.onAccessChange((change) => revocation.onAccessChange(change));
  try {
    const code = await w.h.users.issuePairingCode();
    w.h.tg.sendUserMessage({ chatId: OWNER, text: `/start ${code}`, firstName: 'Olga' });
    await w.h.tg.waitForBotMessage(OWNER, (m) => /time zone/i.test(m.text));
    await w.h.users.setAccess(USER, 'allowed');
    const jobs = [
      await w.scheduler.create({
        ownerUserId: USER,
        chat: { chatId: USER, type: 'private' },
        kind: 'prompt',
        text: 'summarize the news',
        when: { cron: '0 * * * *' },
        announce: false,
      }),
      await w.scheduler.create({
        ownerUserId: USER,
        chat: { chatId: USER, type: 'private' },
        kind: 'reminder',
        text: 'stretch',
        when: { cron: '30 * * * *' },
        announce: false,
      }),
    ];
    await w.suspendedTurn('approval');
    await w.suspendedTurn('question');
    const approvalPrompt = w.h.tg.botMessages(USER).find((m) => buttonData(m).some((d) => d.startsWith('ap:')))!;
    const questionPrompt = w.h.tg.botMessages(USER).find((m) => buttonData(m).some((d) => d.startsWith('q:')))!;
    assert.ok(approvalPrompt && questionPrompt);
    const approve = buttonData(approvalPrompt).find((d) => d.endsWith(':y'))!;
    const option = buttonData(questionPrompt)[0]!;

    // The owner revokes the user from /users.
    w.h.tg.sendUserMessage({ chatId: OWNER, text: '/users' });
    const list = await w.h.tg.waitForBotMessage(OWNER, (m) => /Users \(/.test(m.text));
    const revoke = buttonData(list).find((d) => d.startsWith(`sys:acc:r:${USER}:`))!;
    w.h.tg.pressButton({ chatId: OWNER, messageId: list.messageId, data: revoke, userId: OWNER });
    const report = await w.h.tg.waitForBotMessage(OWNER, (m) => /Revoked/.test(m.text), { since: list.messageId });
    assert.match(report.text, /paused their 2 scheduled jobs: /);
    assert.match(report.text, /🗓 “summarize the news”/);
    assert.match(report.text, /⏰ “stretch”/);
    assert.match(report.text, /cancelled 2 requests waiting for a decision/);
    await w.h.tg.waitForBotMessage(USER, (m) => /revoked/.test(m.text), { since: 'any' });

    for (const { job } of jobs) {
      const now = await w.scheduler.get(job.id);
      assert.equal(now?.enabled, false);
      assert.equal(now?.pausedReason, ACCESS_ENDED_REASON);
    }
    const approvals = await w.h.store.query('SELECT kind, status FROM approvals ORDER BY kind');
    assert.deepEqual(
      approvals.map((a) => `${a.kind}:${a.status}`),
      ['approval:denied', 'question:denied'],
    );
    for (const p of [approvalPrompt, questionPrompt]) {
      await w.h.tg.waitFor(() => w.h.tg.message(USER, p.messageId)?.reply_markup === undefined || undefined);
      assert.equal(w.h.tg.message(USER, p.messageId)?.text, ACCESS_ENDED_PROMPT_TEXT);
    }

    // From here on: nothing for them.
    w.gemini.clear();
    const sent = w.sentTo(USER);
    const answers = w.h.tg.callbackAnswers().length;
    w.h.tg.pressButton({ chatId: USER, messageId: approvalPrompt.messageId, data: approve, userId: USER });
    w.h.tg.pressButton({ chatId: USER, messageId: questionPrompt.messageId, data: option, userId: USER });
    await w.h.tg.waitFor(() => w.h.tg.callbackAnswers().length >= answers + 2 || undefined);
    assert.ok(
      w.h.tg
        .callbackAnswers()
        .slice(answers)
        .every((a) => a.text === PRIVATE_NOTICE),
    );
    w.h.tg.sendUserMessage({ chatId: USER, text: 'Berlin' }); // a text answer to the cancelled question
    await w.h.tg.waitForBotMessage(USER, (m) => m.text === PRIVATE_NOTICE);
    const owner = { id: OWNER, name: 'Olga' };
    const approvalId = approve.split(':')[1]!;
    assert.equal((await w.approvals.decide(approvalId, 'y', owner)).ok, false, 'the owner cannot reopen it either');
    await w.clock.advance(3 * 60 * MIN);
    assert.equal((await w.scheduler.tick()).claimed, 0);
    await w.approvals.sweep();
    await w.approvals.idle();
    await w.h.fe.dispatcher.idle();

    assert.equal(w.gemini.generateCalls().length, 0);
    assert.deepEqual(await w.fetched(), []);
    assert.equal(w.sentTo(USER), sent + 1, 'only the one "private assistant" notice, in reply to their own message');
    assert.equal(
      w.h.tg.botMessages(OWNER).filter((m) => /would like to use/.test(m.text)).length,
      0,
      'no new access request',
    );
  } finally {
    await w.close();
  }
});

test('the start-up check ends the work of anyone not served who still has active jobs or open approvals, and tells the owner', async () => {
  const w = await createWorld();
  const revocation = createRevocation({
    store: w.h.store,
    outbox: w.h.outbox,
    users: w.h.users,
    clock: w.clock,
    log: w.log,
  });
  try {
    await w.h.users.setAccess(OWNER, 'owner');
    await w.h.users.setAccess(USER, 'allowed');
    await w.scheduler.create({
      ownerUserId: USER,
      chat: { chatId: USER, type: 'private' },
      kind: 'reminder',
      text: 'water the plants',
      when: { cron: '0 9 * * *' },
      announce: false,
    });
    await w.suspendedTurn('question');
    // Access ended while this process was not listening (another instance, or a direct database change).
    await w.h.store.run(`UPDATE users SET access = 'revoked' WHERE id = ?`, [USER]);

    const ended = await revocation.reconcile();
    assert.deepEqual(
      ended.map((e) => [e.userId, e.paused.length, e.cancelled.questions]),
      [[USER, 1, 1]],
    );
    const notice = await w.h.tg.waitForBotMessage(OWNER, (m) => /Access check/.test(m.text), { since: 'any' });
    assert.match(notice.text, new RegExp(`${USER}.*no longer has access`));
    assert.match(notice.text, /“water the plants”/);
    assert.deepEqual(await revocation.reconcile(), [], 'nothing left to do the second time');
  } finally {
    await w.close();
  }
});
