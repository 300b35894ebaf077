import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Composer } from 'grammy';
import { createLogger } from '../../src/core/logger.ts';
import { type Scheduler, createScheduler } from '../../src/scheduler/scheduler.ts';
import type { BotContext } from '../../src/telegram/context.ts';
import { createJobsFeature, jobsCommands } from '../../src/telegram/features/jobs.ts';
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
const dataOf = (m: TranscriptEntry, prefix: string) => buttonsOf(m).find((b) => b.callback_data.startsWith(prefix))!.callback_data;

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
    inbound = await startInbound({ allowedUserIds: [USER, OTHER], features: [{ composer: lazy, commands: jobsCommands }] });
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
    inner = createJobsFeature({ scheduler, outbox: inbound.outbox, clock });
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

  it('Keep removes the buttons; Cancel deletes the new job', async () => {
    const kept = await scheduler.create({ ownerUserId: USER, chat: { chatId: USER, type: 'private' }, kind: 'reminder', text: 'keep me', when: { date: 'tomorrow', time: '09:00' } });
    const cancelled = await scheduler.create({ ownerUserId: USER, chat: { chatId: USER, type: 'private' }, kind: 'reminder', text: 'cancel me', when: { in: { hours: 2 } } });
    const cards = inbound.tg.botMessages(USER);
    const keepCard = cards.find((m) => m.text.includes('“keep me”'))!;
    assert.equal(keepCard.text, '⏰ Reminder set for Thu 11 Jun, 09:00 (Europe/Berlin), in 21 h: “keep me”');
    const a = await press(USER, keepCard, `job:k:${kept.job.id}`);
    assert.equal(a.text, 'Saved ✅');
    await inbound.tg.waitFor(() => inbound.tg.message(USER, keepCard.messageId)?.reply_markup === undefined || undefined);
    assert.ok(await scheduler.get(kept.job.id));

    const cancelCard = cards.find((m) => m.text.includes('“cancel me”'))!;
    await press(USER, cancelCard, `job:c:${cancelled.job.id}`);
    await inbound.tg.waitFor(() => inbound.tg.botMessages(USER).find((m) => m.text === '✖️ Cancelled: “cancel me”'));
    assert.equal(await scheduler.get(cancelled.job.id), undefined);
    await scheduler.delete(kept.job.id);
  });

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
    const snooze = dataOf(fired, 'rem:s:10m:');
    const answer = await press(USER, fired, snooze);
    assert.equal(answer.text, 'Snoozed until Wed 10 Jun, 12:15.');
    await inbound.tg.waitFor(() => inbound.tg.message(USER, fired.messageId)?.text?.includes('💤 Snoozed until Wed 10 Jun, 12:15') || undefined);
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

  it('/jobs lists jobs in local time with Pause/Resume, Run now and Delete after Confirm; others may not press', async () => {
    const daily = await scheduler.create({
      ownerUserId: USER,
      chat: { chatId: GROUP, type: 'supergroup' },
      kind: 'reminder',
      text: 'standup',
      when: { every: 'weekday', at: '09:30' },
      announce: false,
    });
    inbound.tg.sendUserMessage({ chatId: GROUP, userId: USER, text: '/jobs', chatType: 'supergroup' });
    const list = await inbound.tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('Your jobs in this chat'));
    assert.match(list.text, /1\. ⏰ “standup” — every weekday \(Mon-Fri\) at 09:30, next Thu 11 Jun, 09:30/);
    assert.deepEqual(
      buttonsOf(list).map((b) => b.text),
      ['⏸ 1', '⚡ Run 1', '🗑 1'],
    );

    const denied = await press(GROUP, list, `job:p:${daily.job.id}`, OTHER);
    assert.equal(denied.text, 'Only the person who created this job can change it.');
    assert.equal(denied.showAlert, true);
    assert.equal((await scheduler.get(daily.job.id))?.enabled, true);

    await press(GROUP, list, `job:p:${daily.job.id}`);
    assert.equal((await scheduler.get(daily.job.id))?.enabled, false);
    await inbound.tg.waitFor(() => inbound.tg.message(GROUP, list.messageId)?.text?.includes('⏸ paused: paused by you') || undefined);

    const resumed = await press(GROUP, list, `job:r:${daily.job.id}`);
    assert.equal(resumed.text, 'Resumed. Next run: Thu 11 Jun, 09:30.');

    await press(GROUP, list, `job:n:${daily.job.id}`);
    await scheduler.idle();
    await inbound.tg.waitForBotMessage(GROUP, (m) => m.text === '⏰ standup');
    assert.equal((await scheduler.get(daily.job.id))?.nextRunAt, Date.parse('2026-06-11T07:30:00Z'), 'Run now keeps the schedule');

    await press(GROUP, list, `job:d:${daily.job.id}`);
    await inbound.tg.waitFor(() => inbound.tg.message(GROUP, list.messageId)?.text?.startsWith('Delete “standup”?') || undefined);
    assert.ok(await scheduler.get(daily.job.id), 'not deleted before confirming');
    await press(GROUP, list, `job:y:${daily.job.id}`);
    assert.equal(await scheduler.get(daily.job.id), undefined);
    await inbound.tg.waitFor(() => inbound.tg.message(GROUP, list.messageId)?.text?.startsWith('You have no reminders') || undefined);

    const stale = await press(GROUP, list, 'job:zz:bad');
    assert.equal(stale.text, 'This button is out of date. Send /jobs for a fresh list.');
  });
});
