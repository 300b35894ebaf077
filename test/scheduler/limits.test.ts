import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createIdGen } from '../../src/core/clock.ts';
import type { Tool, ToolContext } from '../../src/agents/tool.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createSchedulerTools } from '../../src/scheduler/tools.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { repoRoot } from '../support/child-bot.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { CHAT, type Harness, USER, createHarness } from './harness.ts';

/** Issue 11 point 5: what one user can start through the schedule_* tools (real scheduler, real libSQL file). */
describe('scheduler limits through the schedule_* tools', () => {
  const CAP = 5;
  let h: Harness;
  let scheduler: Scheduler;
  let store: Store;
  let tools: Map<string, Tool>;
  before(async () => {
    h = await createHarness(Date.parse('2026-03-10T09:07:00Z'));
    ({ scheduler, store } = await h.newScheduler({ maxJobsPerUser: CAP }));
    await scheduler.start();
    tools = new Map(createSchedulerTools(scheduler).map((t) => [t.name, t]));
  });
  after(async () => {
    await h.close();
  });

  const ctx = (userId: number, turn: string): ToolContext => ({
    userId,
    chat: { chatId: userId === USER ? CHAT : userId, type: 'private' },
    timezone: 'Europe/Berlin',
    turnId: turn,
    agent: 'planner',
    callId: 'c1',
    clock: h.clock,
    log: createLogger({ level: 'silent' }),
    signal: new AbortController().signal,
    progress: () => undefined,
    suspend: () => {
      throw new Error('not used');
    },
  });

  async function call(name: string, args: unknown, c: ToolContext) {
    const tool = tools.get(name)!;
    const parsed = tool.parse(args);
    if (!parsed.ok) throw new Error(parsed.error);
    return (await tool.execute(parsed.value, c)) as Record<string, unknown>;
  }

  const jobsOf = async (userId: number) =>
    Number((await store.get('SELECT COUNT(*) AS n FROM jobs WHERE owner_user_id = ?', [userId]))?.n);

  it(`the per-user job cap (${CAP}) holds when 12 schedule_create calls race`, async () => {
    const user = 9001;
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        call(
          'schedule_create',
          { text: `race ${i}`, when: { in: { minutes: 10 + i } } },
          ctx(user, `update:${100 + i}`),
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(await jobsOf(user), CAP, 'exactly the cap was stored');
    assert.equal(ok.length, CAP);
    assert.equal(refused.length, 12 - CAP);
    for (const r of refused) {
      assert.equal((r.reason as Error).name, 'ScheduleError');
      assert.equal(
        (r.reason as Error).message,
        `You already have ${CAP} scheduled jobs, the maximum. Delete some in /jobs first.`,
      );
    }
    // Another user is not affected by this one's cap.
    await call('schedule_create', { text: 'other user', when: { in: { minutes: 5 } } }, ctx(9002, 'update:200'));
    assert.equal(await jobsOf(9002), 1);
  });

  it('the same schedule_create twice at once (one step, one turn) makes one job', async () => {
    const user = 9003;
    const args = { text: 'twin', when: { in: { minutes: 30 } } };
    const [a, b] = await Promise.all([
      call('schedule_create', args, ctx(user, 'update:250')),
      call('schedule_create', args, ctx(user, 'update:250')),
    ]);
    assert.equal(a?.id, b?.id);
    assert.equal(await jobsOf(user), 1);
  });

  it('schedule_create refuses a prompt more often than every 15 minutes and stores nothing; reminders may repeat every minute', async () => {
    const before = await jobsOf(USER);
    for (const cron of ['*/5 * * * *', '* * * * *', '0,1 * * * *']) {
      await assert.rejects(
        call('schedule_create', { kind: 'prompt', text: `digest ${cron}`, when: { cron } }, ctx(USER, 'update:300')),
        (err: Error) =>
          /^Scheduled prompts can run at most every 15 minutes/.test(err.message) &&
          err.message.includes('"*/15 * * * *"'),
        cron,
      );
    }
    assert.equal(await jobsOf(USER), before, 'no job was stored');
    const ok = await call(
      'schedule_create',
      { kind: 'prompt', text: 'digest', when: { cron: '*/15 * * * *' } },
      ctx(USER, 'update:301'),
    );
    assert.equal(ok.ok, true);
    const reminder = await call(
      'schedule_create',
      { text: 'blink', when: { cron: '* * * * *' } },
      ctx(USER, 'update:302'),
    );
    assert.equal(reminder.ok, true);
    assert.equal(await jobsOf(USER), before + 2);
  });

  it('schedule_update applies the same rule to a new time and to resuming', async () => {
    const created = await call(
      'schedule_create',
      { kind: 'prompt', text: 'hourly news', when: { cron: '0 * * * *' } },
      ctx(USER, 'update:400'),
    );
    const id = String(created.id);
    await assert.rejects(
      call('schedule_update', { id, when: { cron: '*/10 * * * *' } }, ctx(USER, 'update:401')),
      /Scheduled prompts can run at most every 15 minutes \(each run asks the AI\), but cron "\*\/10 \* \* \* \*" would run 10 minutes apart/,
    );
    const job = await scheduler.get(id);
    assert.equal(job?.schedule.type === 'cron' && job.schedule.expression, '0 * * * *', 'the job kept its schedule');
    const updated = await call('schedule_update', { id, when: { cron: '*/30 * * * *' } }, ctx(USER, 'update:402'));
    assert.equal(updated.ok, true);

    // A prompt stored too frequent before this rule existed can't be resumed as is.
    await store.run(`UPDATE jobs SET schedule = ?, enabled = 0 WHERE id = ?`, [
      JSON.stringify({ type: 'cron', expression: '*/2 * * * *', timezone: 'Europe/Berlin' }),
      id,
    ]);
    await assert.rejects(
      call('schedule_update', { id, enabled: true }, ctx(USER, 'update:403')),
      /at most every 15 minutes/,
    );
    assert.equal((await scheduler.get(id))?.enabled, false);
  });
});

/** The setting reaches the scheduler the way main.ts wires it: env → loadConfig → createApp → schedule_create. */
describe('SCHEDULED_PROMPT_MIN_INTERVAL_MINUTES', () => {
  async function appWith(env: Record<string, string>) {
    const db = tempDbUrl('limits-app');
    const store = await createStore({ url: db.url, migrations });
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      GEMINI_API_KEY: 'test-key',
      CONFIG_DIR: resolve(repoRoot, 'config'),
      ...env,
    });
    const clock = createManualClock(Date.parse('2026-03-10T09:07:00Z'));
    const app = createApp({
      config,
      store,
      log: createLogger({ level: 'silent' }),
      clock,
      ids: createIdGen(),
      onFatal: () => undefined,
    });
    const create = app.registry.get('schedule_create')!;
    const run = async (cron: string) => {
      const parsed = create.parse({ kind: 'prompt', text: `every ${cron}`, when: { cron } });
      if (!parsed.ok) throw new Error(parsed.error);
      return create.execute(parsed.value, {
        userId: 7,
        chat: { chatId: 7, type: 'private' },
        timezone: 'UTC',
        turnId: `update:${cron}`,
        agent: 'planner',
        callId: 'c1',
        clock,
        log: createLogger({ level: 'silent' }),
        signal: new AbortController().signal,
        progress: () => undefined,
        suspend: () => {
          throw new Error('not used');
        },
      });
    };
    return {
      run,
      close: async () => {
        await app.stop();
        await store.close();
        await db.cleanup();
      },
    };
  }

  it('defaults to 15 minutes and can be raised', async () => {
    const plain = await appWith({});
    try {
      await assert.rejects(plain.run('*/10 * * * *'), /at most every 15 minutes/);
    } finally {
      await plain.close();
    }
    const hourly = await appWith({ SCHEDULED_PROMPT_MIN_INTERVAL_MINUTES: '60' });
    try {
      await assert.rejects(
        hourly.run('*/30 * * * *'),
        /Scheduled prompts can run at most every 1 hour .* would run 30 minutes apart\. .*cron "0 \* \* \* \*" \(every hour\)/,
      );
    } finally {
      await hourly.close();
    }
    assert.throws(
      () => loadConfig({ SCHEDULED_PROMPT_MIN_INTERVAL_MINUTES: '0' }),
      /SCHEDULED_PROMPT_MIN_INTERVAL_MINUTES: must be at least 1/,
    );
  });
});
