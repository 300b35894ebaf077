import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHAT, type Harness, USER, createHarness } from './harness.ts';

const MIN = 60_000;
const chat = { chatId: CHAT, type: 'private' as const };

function reminders(h: Harness, text: string) {
  return h.tg.botMessages(CHAT).filter((m) => m.text === `⏰ ${text}`);
}

describe('firing reminders', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  it('confirms in local time with Cancel reminder, then fires once at its time with Snooze/Done and zero Gemini calls', async () => {
    const { scheduler } = await h.newScheduler();
    await scheduler.start();
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'reminder',
      text: 'stretch',
      when: { in: { minutes: 1 } },
    });
    // 12:00Z = 13:00 Berlin; +1 min
    assert.equal(created.summary, '⏰ Reminder set for Thu 15 Jan, 13:01 (Europe/Berlin), in 1 min: “stretch”');
    assert.equal(created.card?.ok, true);
    const card = h.tg.botMessages(CHAT).find((m) => m.text.startsWith('⏰ Reminder set'));
    assert.ok(card);
    assert.deepEqual(
      (card.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard
        .flat()
        .map((b) => [b.text, b.callback_data]),
      [['✖️ Cancel reminder', `job:x:${created.job.id}`]],
    );

    await h.clock.advance(30_000);
    await scheduler.tick();
    assert.equal(reminders(h, 'stretch').length, 0, 'not before its time');

    await h.clock.advance(30_000);
    await scheduler.tick();
    const fired = reminders(h, 'stretch');
    assert.equal(fired.length, 1);
    const buttons = (
      fired[0]!.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] }
    ).inline_keyboard
      .flat()
      .map((b) => b.callback_data);
    const sf = created.job.nextRunAt;
    assert.deepEqual(buttons, [
      `rem:s:10m:${created.job.id}:${sf}`,
      `rem:s:1h:${created.job.id}:${sf}`,
      `rem:s:tm:${created.job.id}:${sf}`,
      `rem:d:${created.job.id}:${sf}`,
    ]);
    assert.equal(h.gemini.generateCalls().length, 0, 'a reminder never calls the model');
    const settled = h.tg.message(CHAT, card.messageId);
    assert.equal(settled?.text, '⏰ Stretch\n✅ Sent at 13:01', 'the card says it was sent');
    assert.equal(settled?.reply_markup, undefined, 'and has no Cancel button any more');

    await h.clock.advance(5 * MIN);
    await scheduler.tick();
    assert.equal(reminders(h, 'stretch').length, 1, 'a one-shot fires once');
    const job = await scheduler.get(created.job.id);
    assert.equal(job?.lastStatus, 'delivered');
    assert.ok(job?.completedAt);
    assert.equal(
      (await scheduler.list({ ownerUserId: USER, chatId: CHAT })).length,
      0,
      'completed one-shots leave /jobs',
    );
    const run = await h.stores[0]!.get('SELECT status, message_id FROM job_runs WHERE job_id = ?', [created.job.id]);
    assert.equal(run?.status, 'delivered');
    assert.equal(Number(run?.message_id), fired[0]!.messageId);
    await scheduler.stop();
  });

  it('after a restart in between, the reminder arrives once', async () => {
    const first = await h.newScheduler();
    await first.scheduler.start();
    const created = await first.scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'reminder',
      text: 'restart-proof',
      when: { in: { minutes: 2 } },
      announce: false,
    });
    await first.scheduler.stop();
    await h.clock.advance(2 * MIN + 5_000); // bot down over the due time (within the on-time window)
    const second = await h.newScheduler();
    await second.scheduler.start();
    await second.scheduler.tick();
    await second.scheduler.tick();
    assert.equal(reminders(h, 'restart-proof').length, 1);
    // A third instance on the same DB finds nothing left to do.
    const third = await h.newScheduler({}, {}, second.store);
    await third.scheduler.start();
    await third.scheduler.tick();
    assert.equal(reminders(h, 'restart-proof').length, 1);
    const runs = await h.stores[0]!.query('SELECT status FROM job_runs WHERE job_id = ?', [created.job.id]);
    assert.deepEqual(
      runs.map((r) => r.status),
      ['delivered'],
    );
    await second.scheduler.stop();
    await third.scheduler.stop();
  });

  it('two scheduler instances on one database never fire an occurrence twice', async () => {
    const a = await h.newScheduler({ claimBatch: 4 });
    const b = await h.newScheduler({ claimBatch: 4 }, {}, a.store);
    await a.scheduler.start();
    await b.scheduler.start();
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const c = await a.scheduler.create({
        ownerUserId: USER,
        chat,
        kind: 'reminder',
        text: `pair-${i}`,
        when: i % 2 === 0 ? { in: { minutes: 1 + (i % 3) } } : { cron: '*/2 * * * *' },
        announce: false,
      });
      ids.push(c.job.id);
    }
    for (let step = 0; step < 6; step++) {
      await h.clock.advance(MIN);
      await Promise.all([a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick(), b.scheduler.tick()]);
    }
    // One-shots: exactly one post each. Recurring every 2 min over 6 min: exactly 3 each.
    for (let i = 0; i < 24; i++) {
      assert.equal(reminders(h, `pair-${i}`).length, i % 2 === 0 ? 1 : 3, `pair-${i}`);
    }
    const dup = await h.stores[0]!.query(
      "SELECT job_id, scheduled_for, COUNT(*) AS n FROM job_runs WHERE job_id LIKE 'j%' GROUP BY 1, 2 HAVING n > 1",
    );
    assert.equal(dup.length, 0);
    const claimers = await h.stores[0]!.query(
      `SELECT DISTINCT claimed_by FROM job_runs WHERE job_id IN (${ids.map(() => '?').join(',')})`,
      ids,
    );
    assert.ok(claimers.length >= 1);
    for (const id of ids) await a.scheduler.delete(id);
    await a.scheduler.stop();
    await b.scheduler.stop();
  });
});

describe('missed runs across a restart', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness(Date.parse('2026-02-02T07:00:00Z')); // Mon 08:00 Berlin
  });
  after(async () => {
    await h.close();
  });

  it('skip, run once within grace and notify each act once, never a flood', async () => {
    const first = await h.newScheduler();
    await first.scheduler.start();
    const mk = (text: string, missedPolicy: 'skip' | 'run_once_within_grace' | 'notify', at = '09:00') =>
      first.scheduler.create({
        ownerUserId: USER,
        chat,
        kind: 'reminder',
        text,
        when: { every: 'day', at },
        missedPolicy,
        announce: false,
      });
    const skip = await mk('missed-skip', 'skip');
    const grace = await mk('missed-grace', 'run_once_within_grace');
    const notify = await mk('missed-notify', 'notify');
    const stale = await mk('missed-stale', 'run_once_within_grace', '07:30'); // its latest slot is > 1 h ago
    await first.scheduler.stop();

    // Down from Mon 08:00 until Thu 09:40 Berlin: four 09:00 slots missed (Mon..Thu).
    await h.clock.advanceTo(Date.parse('2026-02-05T08:40:00Z'));
    const second = await h.newScheduler();
    await second.scheduler.start();
    await second.scheduler.tick();

    assert.equal(reminders(h, 'missed-skip').length, 0, 'skip: nothing posted');
    assert.equal(reminders(h, 'missed-grace').length, 1, 'grace: exactly one run');
    assert.equal(reminders(h, 'missed-stale').length, 0, 'outside the grace window: skipped');
    const notices = h.tg
      .botMessages(CHAT)
      .filter((m) => m.text.includes('While I was offline I missed “missed-notify”'));
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.text, /due Mon 2 Feb, 09:00, 4 times\)\. Next: Fri 6 Feb, 09:00\./);

    const graceRun = await h.stores[0]!.query(
      'SELECT scheduled_for, trigger, status FROM job_runs WHERE job_id = ? ORDER BY scheduled_for',
      [grace.job.id],
    );
    assert.deepEqual(
      graceRun.map((r) => [new Date(Number(r.scheduled_for)).toISOString(), r.trigger, r.status]),
      [
        ['2026-02-02T08:00:00.000Z', 'schedule', 'skipped'],
        ['2026-02-05T08:00:00.000Z', 'late', 'delivered'], // the latest slot, Thu 09:00
      ],
    );
    for (const j of [skip, grace, notify, stale]) {
      const job = await second.scheduler.get(j.job.id);
      assert.ok(job?.nextRunAt && job.nextRunAt > h.clock.now(), 'advanced to a future occurrence');
    }
    assert.equal((await second.scheduler.get(skip.job.id))?.lastStatus, 'skipped');

    // Another restart and more ticks add nothing.
    await second.scheduler.stop();
    const third = await h.newScheduler();
    await third.scheduler.start();
    await third.scheduler.tick();
    assert.equal(reminders(h, 'missed-grace').length, 1);
    assert.equal(h.tg.botMessages(CHAT).filter((m) => m.text.includes('missed “missed-notify”')).length, 1);

    // The next regular occurrence fires normally.
    await h.clock.advanceTo(Date.parse('2026-02-06T08:00:00Z'));
    await third.scheduler.tick();
    assert.equal(reminders(h, 'missed-skip').length, 1);
    assert.equal(reminders(h, 'missed-grace').length, 2);
    assert.equal(reminders(h, 'missed-notify').length, 1);
    await third.scheduler.stop();
  });
});
