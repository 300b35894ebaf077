/**
 * Issue 11 point 2: once a user has lost access, no scheduled run, approval resume, sweeper fallback or old button
 * makes a model call for them or sends them anything, even when the one-time clean-up hasn't happened (a race:
 * the access changed while the work was already due). The entry points check access themselves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUP, OWNER, USER, buttonData, createWorld } from './world.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

test('after access ends (before any clean-up), a due job, an Approve click and the expiry fallback make no model call and send nothing', async () => {
  const w = await createWorld();
  try {
    // Five minutes past an hour, so the 61 minutes below pass each hourly job (at :00 and :30) exactly once,
    // whatever the wall time the test starts at (from :59 or :29 it would pass one of them twice).
    await w.clock.advanceTo(Math.ceil(w.clock.now() / HOUR) * HOUR + 5 * MIN);
    await w.h.users.setAccess(OWNER, 'owner');
    await w.h.users.setAccess(USER, 'allowed');
    const prompt = await w.scheduler.create({
      ownerUserId: USER,
      chat: { chatId: USER, type: 'private' },
      kind: 'prompt',
      text: 'summarize the news',
      when: { cron: '0 * * * *' },
      announce: false,
    });
    const reminder = await w.scheduler.create({
      ownerUserId: USER,
      chat: { chatId: USER, type: 'private' },
      kind: 'reminder',
      text: 'stretch',
      when: { cron: '30 * * * *' },
      announce: false,
    });
    // One approval in a group (the owner can press it there), one in the private chat that will expire.
    await w.suspendedTurn('approval', { chatId: GROUP, type: 'supergroup' });
    await w.suspendedTurn('approval');
    const groupPrompt = w.h.tg.botMessages(GROUP).find((m) => buttonData(m).some((d) => d.startsWith('ap:')));
    assert.ok(groupPrompt, 'the approval prompt is in the group');
    assert.equal(w.gemini.generateCalls().length, 4, 'two turns of two calls each, before access ended');

    // Access ends; nothing else has happened yet.
    await w.h.store.run(`UPDATE users SET access = 'revoked' WHERE id = ?`, [USER]);
    w.gemini.clear();
    const toUser = w.sentTo(USER);
    const toGroup = w.sentTo(GROUP);

    // The owner presses the old Approve button in the group: recorded, but the run is not resumed.
    const approve = buttonData(groupPrompt).find((d) => d.startsWith('ap:') && d.endsWith(':y'))!;
    const answers = w.h.tg.callbackAnswers().length;
    w.h.tg.pressButton({
      chatId: GROUP,
      messageId: groupPrompt.messageId,
      data: approve,
      userId: OWNER,
      firstName: 'Olga',
    });
    await w.h.tg.waitFor(() => w.h.tg.callbackAnswers()[answers]);
    await w.approvals.idle();

    // The jobs come due, and the private approval passes its timeout (the sweeper applies the fallback and would resume).
    await w.clock.advance(61 * MIN);
    await w.scheduler.tick();
    const swept = await w.approvals.sweep();
    await w.approvals.idle();
    await w.scheduler.idle();

    assert.equal(w.gemini.generateCalls().length, 0, 'no model call for a user without access');
    assert.deepEqual(await w.fetched(), [], 'the approved tool never ran');
    assert.equal(w.sentTo(USER), toUser, 'nothing sent to the user');
    assert.equal(w.sentTo(GROUP), toGroup, 'no answer posted for them in the group');
    assert.equal(swept.expired, 1);
    for (const id of [prompt.job.id, reminder.job.id]) {
      const job = await w.scheduler.get(id);
      assert.equal(job?.enabled, false, 'their job is paused');
      assert.match(job?.pausedReason ?? '', /access/);
    }
    const runs = await w.h.store.query('SELECT status, outcome_status FROM approval_runs');
    assert.deepEqual(
      runs.map((r) => `${r.status}/${r.outcome_status}`),
      ['failed/access_ended', 'failed/access_ended'],
    );
    const skipped = await w.h.store.query(`SELECT status FROM job_runs WHERE job_id IN (?, ?)`, [
      prompt.job.id,
      reminder.job.id,
    ]);
    assert.deepEqual(
      skipped.map((r) => r.status),
      ['skipped', 'skipped'],
    );
  } finally {
    await w.close();
  }
});
