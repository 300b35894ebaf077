import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/agents/tool.ts';
import type { Suspension, TurnRequest } from '../../src/core/turn.ts';
import { CHAT, type Harness, USER, createHarness } from './harness.ts';

const MIN = 60_000;
const chat = { chatId: CHAT, type: 'private' as const };

describe('scheduled prompts and delivery', () => {
  let h: Harness;
  before(async () => {
    const sendEmail = defineTool({
      name: 'send_email',
      description: 'Sends an email.',
      input: z.object({ to: z.string(), body: z.string() }),
      execute: () => ({ sent: true }),
    });
    // An approval policy that asks a person before every send_email (the approvals module plugs in the same way).
    const gate = {
      check: async (call: { tool: string }) =>
        call.tool === 'send_email'
          ? { action: 'suspend' as const, payload: { reason: 'sends email' } }
          : { action: 'allow' as const },
    };
    h = await createHarness(Date.parse('2026-03-02T06:30:00Z'), [sendEmail], gate); // Mon 07:30 Berlin
  });
  after(async () => {
    await h.close();
  });

  it('a recurring scheduled prompt runs the Network at the right local time and posts its answer', async () => {
    const { scheduler, store } = await h.newScheduler();
    await scheduler.start();
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'prompt',
      text: 'Send me a short morning briefing',
      when: { every: 'weekday', at: '08:00' },
      announce: false,
    });
    assert.match(created.summary, /^🔁 Scheduled task every weekday \(Mon-Fri\) at 08:00 \(Europe\/Berlin\)/);
    assert.match(created.summary, /Next: Mon 2 Mar, 08:00 · Tue 3 Mar, 08:00 · Wed 4 Mar, 08:00/);
    h.gemini.enqueue({ text: 'Good morning! Today: **sunny**, 3 meetings.' });

    await h.clock.advance(29 * MIN);
    await scheduler.tick();
    assert.equal(h.gemini.generateCalls().length, 0, 'not yet');

    await h.clock.advance(MIN); // 08:00 Berlin = 07:00Z
    await scheduler.tick();
    const calls = h.gemini.generateCalls();
    assert.ok(calls.length >= 1, 'the Network was asked');
    assert.ok(JSON.stringify(calls[0]!.body).includes('Send me a short morning briefing'));
    const posted = await h.tg.waitForBotMessage(CHAT, (m) => m.text.includes('Good morning!'));
    assert.ok(posted.text.startsWith('🗓 “Send me a short morning briefing”'));
    assert.match(posted.html ?? '', /<b>sunny<\/b>/, 'the answer is rendered as Telegram HTML');
    const run = await store.get('SELECT scheduled_for, status, message_id FROM job_runs WHERE job_id = ?', [
      created.job.id,
    ]);
    assert.equal(new Date(Number(run?.scheduled_for)).toISOString(), '2026-03-02T07:00:00.000Z');
    assert.equal(run?.status, 'delivered');
    assert.equal(Number(run?.message_id), posted.messageId);
    await scheduler.delete(created.job.id);
    await scheduler.stop();
  });

  it('a run that needs approval is handed to approvals.onSuspended', async () => {
    const handed: { request: TurnRequest; suspension: Suspension }[] = [];
    const { scheduler, store } = await h.newScheduler(
      {},
      { approvals: { onSuspended: async (request, s) => void handed.push({ request, suspension: s }) } },
    );
    h.gemini.enqueue({ functionCalls: [{ name: 'send_email', args: { to: 'bob@example.com', body: 'the report' } }] });
    await scheduler.start();
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'prompt',
      text: 'email Bob the report',
      when: { in: { minutes: 5 } },
      announce: false,
    });
    await h.clock.advance(5 * MIN);
    await scheduler.tick();
    assert.equal(handed.length, 1);
    assert.equal(handed[0]!.request.turnId, `job:${created.job.id}:${created.job.nextRunAt}`);
    assert.equal(handed[0]!.request.source, 'schedule');
    assert.deepEqual(handed[0]!.request.chat, { chatId: CHAT, type: 'private' });
    assert.equal(handed[0]!.request.timezone, 'Europe/Berlin');
    assert.equal(handed[0]!.suspension.pending[0]?.tool, 'send_email');
    assert.deepEqual(handed[0]!.suspension.pending[0]?.args, { to: 'bob@example.com', body: 'the report' });
    const run = await store.get('SELECT status FROM job_runs WHERE job_id = ?', [created.job.id]);
    assert.equal(run?.status, 'awaiting_approval');
    await scheduler.stop();
  });

  it('transient delivery errors are retried with backoff and delivered once', async () => {
    const { scheduler, store } = await h.newScheduler({ retryDelaysMs: [10_000, 20_000] });
    await scheduler.start();
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'reminder',
      text: 'flaky network',
      when: { in: { minutes: 1 } },
      announce: false,
    });
    // The outbox tries twice per send; fail both attempts once → the scheduler reschedules the occurrence.
    h.tg.failNext('sendMessage', { error_code: 502, description: 'Bad Gateway' }, 2);
    await h.clock.advance(MIN);
    await scheduler.tick();
    let run = await store.get('SELECT status, attempts, attention_at FROM job_runs WHERE job_id = ?', [created.job.id]);
    assert.equal(run?.status, 'retry');
    assert.equal(Number(run?.attention_at), h.clock.now() + 10_000);
    assert.equal(h.tg.botMessages(CHAT).filter((m) => m.text === '⏰ flaky network').length, 0);

    await h.clock.advance(10_000);
    await scheduler.tick();
    run = await store.get('SELECT status, attempts FROM job_runs WHERE job_id = ?', [created.job.id]);
    assert.equal(run?.status, 'delivered');
    assert.equal(Number(run?.attempts), 2);
    assert.equal(h.tg.botMessages(CHAT).filter((m) => m.text === '⏰ flaky network').length, 1);
    await scheduler.stop();
  });

  it('a blocked bot pauses the job with the reason visible', async () => {
    const { scheduler } = await h.newScheduler();
    await scheduler.start();
    const blockedChat = { chatId: 777, type: 'private' as const };
    const created = await scheduler.create({
      ownerUserId: 777,
      chat: blockedChat,
      kind: 'reminder',
      text: 'drink water',
      when: { cron: '*/5 * * * *' },
      announce: false,
    });
    const other = await scheduler.create({
      ownerUserId: 777,
      chat: blockedChat,
      kind: 'reminder',
      text: 'other job here',
      when: { every: 'day', at: '23:00' },
      announce: false,
    });
    h.tg.blockChat(777);
    await h.clock.advance(5 * MIN);
    await scheduler.tick();
    const job = await scheduler.get(created.job.id);
    assert.equal(job?.enabled, false);
    assert.equal(job?.pausedReason, 'the bot is blocked in this chat. Unblock it, then tap Resume in /jobs');
    assert.match(job?.lastError ?? '', /bot was blocked by the user/);
    assert.equal((await scheduler.get(other.job.id))?.enabled, false, "the chat's other jobs pause too");
    // Paused jobs do not fire again.
    await h.clock.advance(10 * MIN);
    await scheduler.tick();
    assert.equal(h.tg.callsOf('sendMessage').filter((c) => JSON.stringify(c).includes('drink water')).length, 1);
    // Resuming after unblocking recomputes the next run from now (no burst of old slots).
    h.tg.blockChat(777, false);
    const resumed = await scheduler.resume(created.job.id);
    assert.ok(resumed.enabled && resumed.nextRunAt !== null && resumed.nextRunAt > h.clock.now());
    assert.equal(resumed.pausedReason, null);
    await scheduler.delete(created.job.id);
    await scheduler.delete(other.job.id);
    await scheduler.stop();
  });

  it('N consecutive failed runs auto-pause the job and post a notice', async () => {
    const { scheduler } = await h.newScheduler({ maxConsecutiveFailures: 3 });
    await scheduler.start();
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'prompt',
      text: 'summarize my inbox',
      when: { cron: '*/15 * * * *' },
      announce: false,
    });
    h.gemini.reset();
    h.gemini.setHandler(() => ({ error: { status: 400, message: 'bad request' } }));
    for (let i = 0; i < 4; i++) {
      await h.clock.advance(15 * MIN);
      await scheduler.tick();
    }
    h.gemini.setHandler(undefined);
    const job = await scheduler.get(created.job.id);
    assert.equal(job?.enabled, false);
    assert.equal(job?.consecutiveFailures, 3);
    assert.match(job?.pausedReason ?? '', /^paused after 3 failed runs in a row/);
    const notices = h.tg
      .botMessages(CHAT)
      .filter((m) => m.text.startsWith('⏸ I paused “summarize my inbox” after 3 failed runs'));
    assert.equal(notices.length, 1);
    const runs = await h.stores[0]!.query("SELECT status FROM job_runs WHERE job_id = ? AND status = 'failed'", [
      created.job.id,
    ]);
    assert.equal(runs.length, 3, 'the fourth slot did not run');
    await scheduler.stop();
  });
});
