import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Composer } from 'grammy';
import { createLogger } from '../../src/core/logger.ts';
import { type Scheduler, createScheduler } from '../../src/scheduler/scheduler.ts';
import type { BotContext } from '../../src/telegram/context.ts';
import { createJobUndoHandlers, createJobsFeature, jobsCommands } from '../../src/telegram/features/jobs.ts';
import { createUndoFeature } from '../../src/telegram/undo.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import type { TranscriptEntry } from '../support/fake-telegram.ts';
import { type Inbound, startInbound } from '../telegram/inbound-harness.ts';
import { buildTurnRunner } from './harness.ts';

const USER = 5151;
const OTHER = 6262;
const GROUP = -100_500;
const MIN = 60_000;

type Markup = { inline_keyboard: { text: string; callback_data: string }[][] } | undefined;
const buttonsOf = (m: TranscriptEntry) => ((m.replyMarkup as Markup)?.inline_keyboard ?? []).flat();
const dataOf = (m: TranscriptEntry, prefix: string) =>
  buttonsOf(m).find((b) => b.callback_data.startsWith(prefix))!.callback_data;

describe('/jobs and the job/reminder buttons (real grammY against the fake Bot API)', () => {
  let inbound: Inbound;
  let scheduler: Scheduler;
  let clock: ManualClock;
  let gemini: FakeGemini;
  let seq = 0;

  before(async () => {
    clock = createManualClock(Date.parse('2026-06-10T10:00:00Z')); // Wed 12:00 Berlin
    let inner: Composer<BotContext> | undefined;
    const lazy = new Composer<BotContext>();
    lazy.use((ctx, next) => (inner ? inner.middleware()(ctx, next) : next()));
    inbound = await startInbound({
      allowedUserIds: [USER, OTHER],
      features: [{ composer: lazy, commands: jobsCommands }],
    });
    const log = createLogger({ level: 'silent' });
    gemini = await createFakeGemini();
    scheduler = createScheduler({
      store: inbound.store,
      clock,
      log,
      outbox: inbound.outbox,
      turnRunner: buildTurnRunner(gemini),
      timezoneOf: async () => 'Europe/Berlin',
      newId: () => `f${++seq}x${Math.random().toString(36).slice(2, 8)}`,
    });
    const deps = { scheduler, outbox: inbound.outbox, clock, timezoneOf: async () => 'UTC' };
    const features = new Composer<BotContext>();
    features.use(
      createJobsFeature(deps),
      createUndoFeature({ outbox: inbound.outbox, handlers: createJobUndoHandlers(deps) }),
    );
    inner = features;
    await scheduler.start();
  });
  after(async () => {
    await scheduler.stop();
    await inbound.close();
    await gemini.close();
  });

  async function press(chatId: number, m: TranscriptEntry, data: string, userId = USER) {
    const before = inbound.tg.callbackAnswers().length;
    inbound.tg.pressButton({ chatId, messageId: m.messageId, data, userId });
    return inbound.tg.waitFor(() => inbound.tg.callbackAnswers()[before], { label: `answer to ${data}` });
  }

  it('Snooze 10 min re-posts the reminder later (once, even if pressed twice); Done marks it done', async () => {
    const created = await scheduler.create({
      ownerUserId: USER,
      chat: { chatId: USER, type: 'private' },
      kind: 'reminder',
      text: 'call mom',
      when: { in: { minutes: 5 } },
      announce: false,
    });
    await clock.advance(5 * MIN);
    await scheduler.tick();
    const fired = inbound.tg.botMessages(USER).find((m) => m.text === '⏰ call mom')!;
    assert.ok(fired);
    assert.deepEqual(
      buttonsOf(fired).map((b) => b.text),
      ['💤 Snooze 10 min', '💤 Snooze 1 hour', '💤 Tomorrow', '✅ Done'],
    );
    const snooze = dataOf(fired, 'rem:s:10m:');
    const answer = await press(USER, fired, snooze);
    assert.equal(answer.text, 'Snoozed until Wed 10 Jun, 12:15.');
    await inbound.tg.waitFor(
      () =>
        inbound.tg.message(USER, fired.messageId)?.text?.includes('💤 Snoozed until Wed 10 Jun, 12:15') || undefined,
    );
    const again = await press(USER, fired, snooze);
    assert.equal(again.text, 'Already snoozed until Wed 10 Jun, 12:15.');

    await clock.advance(10 * MIN);
    await scheduler.tick();
    const reposted = inbound.tg.botMessages(USER).filter((m) => m.text === '⏰ call mom');
    assert.equal(reposted.length, 1, 'the snoozed re-post (the original now reads "Snoozed until")');
    const second = reposted[0]!;
    assert.notEqual(second.messageId, fired.messageId);
    const done = await press(USER, second, dataOf(second, 'rem:d:'));
    assert.equal(done.text, 'Done ✅');
    await inbound.tg.waitFor(() => inbound.tg.message(USER, second.messageId)?.text === '✅ call mom' || undefined);
    await clock.advance(60 * MIN);
    await scheduler.tick();
    assert.equal(inbound.tg.botMessages(USER).filter((m) => m.text.includes('call mom')).length, 2);
    assert.equal(gemini.generateCalls().length, 0, 'reminders and snoozes never call the model');
    await scheduler.delete(created.job.id);
  });

  it('/jobs in a group: every member sees the jobs in plain words; only the creator or an admin may change them', async () => {
    const daily = await scheduler.create({
      ownerUserId: USER,
      chat: { chatId: GROUP, type: 'supergroup' },
      kind: 'reminder',
      text: 'standup',
      when: { every: 'weekday', at: '09:30' },
      announce: false,
    });
    inbound.tg.sendUserMessage({ chatId: GROUP, userId: OTHER, text: '/jobs', chatType: 'supergroup' });
    const list = await inbound.tg.waitForBotMessage(GROUP, (m) =>
      m.text.startsWith('Reminders and tasks in this group'),
    );
    assert.equal(
      list.text,
      'Reminders and tasks in this group (1):\n\n🔁 Standup — Weekdays 09:30 (Europe/Berlin) · by the person who set it',
    );
    assert.deepEqual(
      buttonsOf(list).map((b) => b.text),
      ['🔁 Standup — Weekdays 09:30', '⏸ Pause', '🕑 Change time', '🗑 Delete'],
    );

    const denied = await press(GROUP, list, `job:p:${daily.job.id}`, OTHER);
    assert.equal(denied.text, 'Only the person who set it or a group admin can change this.');
    assert.equal(denied.showAlert, true);
    assert.equal((await scheduler.get(daily.job.id))?.enabled, true);

    inbound.tg.setChatMember(GROUP, OTHER, 'administrator');
    await press(GROUP, list, `job:p:${daily.job.id}`, OTHER);
    assert.equal((await scheduler.get(daily.job.id))?.enabled, false, 'an admin may');
    inbound.tg.setChatMember(GROUP, OTHER, 'member');
    await inbound.tg.waitFor(() => inbound.tg.message(GROUP, list.messageId)?.text?.includes('· paused') || undefined);

    const resumed = await press(GROUP, list, `job:r:${daily.job.id}`);
    assert.equal(resumed.text, 'Resumed. Next: tomorrow 09:30.');

    const details = await press(GROUP, list, `job:v:${daily.job.id}`);
    assert.equal(details.text, undefined);
    const shown = await inbound.tg.waitFor(() => {
      const m = inbound.tg.transcript(GROUP).find((e) => e.messageId === list.messageId)!;
      return m.text.startsWith('🔁 Standup\n') ? m : undefined;
    });
    assert.equal(
      shown.text,
      '🔁 Standup\nWhen: every weekday (Mon-Fri) at 09:30 (Europe/Berlin)\nNext: Thu 11 Jun, 09:30 · Fri 12 Jun, 09:30 · Mon 15 Jun, 09:30\nSet by the person who set it',
    );
    await press(GROUP, shown, `job:n:${daily.job.id}:v`);
    await scheduler.idle();
    await inbound.tg.waitForBotMessage(GROUP, (m) => m.text === '⏰ standup', { since: 'any' });
    assert.equal(
      (await scheduler.get(daily.job.id))?.nextRunAt,
      Date.parse('2026-06-11T07:30:00Z'),
      'Run now keeps the schedule',
    );

    await press(GROUP, shown, `job:d:${daily.job.id}:v`);
    assert.ok((await scheduler.get(daily.job.id))?.deletedAt, 'deleted at once');
    const after = await inbound.tg.waitFor(() => {
      const m = inbound.tg.transcript(GROUP).find((e) => e.messageId === list.messageId)!;
      return m.text.includes('🗑 Standup — deleted') ? m : undefined;
    });
    assert.deepEqual(
      buttonsOf(after).map((b) => b.text),
      ['↩️ Undo: Standup'],
    );

    const stale = await press(GROUP, list, 'job:zz:bad');
    assert.equal(stale.text, 'This button is out of date. Send /jobs for a fresh list.');
  });
  it('"Cancel reminder" deletes at once with Undo; Undo restores the exact job; after 5 minutes it is too late and purged', async () => {
    const created = await scheduler.create({
      ownerUserId: USER,
      chat: { chatId: USER, type: 'private' },
      kind: 'reminder',
      text: 'cancel me',
      when: { in: { hours: 2 } },
    });
    const card = inbound.tg.botMessages(USER).find((m) => m.text.includes('“cancel me”'))!;
    assert.equal(card.text, '⏰ Reminder set for Wed 10 Jun, 15:15 (Europe/Berlin), in 2 h: “cancel me”');
    assert.deepEqual(
      buttonsOf(card).map((b) => b.text),
      ['✖️ Cancel reminder'],
    );

    const cancel = await press(USER, card, `job:x:${created.job.id}`);
    assert.equal(cancel.text, 'Cancelled “Cancel me”. Tap Undo to bring it back.');
    const deleted = await inbound.tg.waitFor(() => {
      const m = inbound.tg.transcript(USER).find((e) => e.messageId === card.messageId)!;
      return m.text.startsWith('🗑 Deleted') ? m : undefined;
    });
    assert.equal(deleted.text, '🗑 Deleted: ⏰ Cancel me — today 15:15. Tap Undo within 5 minutes to bring it back.');
    assert.equal((await scheduler.get(created.job.id))?.nextRunAt, null, 'stopped at once');
    assert.deepEqual(await scheduler.list({ ownerUserId: USER }), [], 'gone from every list');
    const undo = dataOf(deleted, 'u:');

    await clock.advance(4 * MIN);
    const restored = await press(USER, deleted, undo);
    assert.equal(restored.text, 'Restored “Cancel me” — today 15:15.');
    const job = await scheduler.get(created.job.id);
    assert.equal(job?.deletedAt, null);
    assert.equal(job?.nextRunAt, created.job.nextRunAt, 'the same reminder at the same time');
    await inbound.tg.waitFor(
      () => inbound.tg.message(USER, card.messageId)?.text?.startsWith('⏰ Reminder set for') || undefined,
    );

    // Deleted again; this time the Undo window passes.
    const again = inbound.tg.transcript(USER).find((e) => e.messageId === card.messageId)!;
    await press(USER, again, `job:x:${created.job.id}`);
    const second = await inbound.tg.waitFor(() => {
      const m = inbound.tg.transcript(USER).find((e) => e.messageId === card.messageId)!;
      return m.text.startsWith('🗑 Deleted') ? m : undefined;
    });
    await clock.advance(5 * MIN + 1000);
    const late = await press(USER, second, dataOf(second, 'u:'));
    assert.equal(late.text, 'Too late to undo — create it again.');
    await inbound.tg.waitFor(() => inbound.tg.message(USER, card.messageId)?.reply_markup === undefined || undefined);
    assert.ok(await scheduler.get(created.job.id), 'kept until the purge');
    await clock.advance(MIN);
    await scheduler.tick();
    assert.equal(await scheduler.get(created.job.id), undefined, 'purged after the undo window');
  });
});
