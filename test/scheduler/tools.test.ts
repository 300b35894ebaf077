import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tool, ToolContext } from '../../src/agents/tool.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createSchedulerTools } from '../../src/scheduler/tools.ts';
import type { Scheduler } from '../../src/scheduler/scheduler.ts';
import { CHAT, type Harness, USER, createHarness } from './harness.ts';

describe('schedule_* agent tools', () => {
  let h: Harness;
  let scheduler: Scheduler;
  let tools: Map<string, Tool>;
  before(async () => {
    h = await createHarness(Date.parse('2026-10-24T20:00:00Z')); // Sat 22:00 Berlin (CEST), DST ends tonight
    scheduler = (await h.newScheduler()).scheduler;
    await scheduler.start();
    tools = new Map(createSchedulerTools(scheduler).map((t) => [t.name, t]));
  });
  after(async () => {
    await h.close();
  });

  const ctx = (userId = USER): ToolContext => ({
    userId,
    chat: { chatId: CHAT, type: 'private' },
    timezone: 'Europe/Berlin',
    turnId: 'update:1',
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

  async function call(name: string, args: unknown, c = ctx()) {
    const tool = tools.get(name)!;
    const parsed = tool.parse(args);
    if (!parsed.ok) throw new Error(parsed.error);
    return (await tool.execute(parsed.value, c)) as Record<string, unknown>;
  }

  it('declares all four tools with JSON-schema parameters', () => {
    assert.deepEqual([...tools.keys()], ['schedule_create', 'schedule_list', 'schedule_update', 'schedule_delete']);
    const params = tools.get('schedule_create')!.declaration.parameters as { properties: Record<string, unknown> };
    assert.ok(params.properties.when);
  });

  it('schedule_create resolves the intent on the server and returns the local time and next runs', async () => {
    const r = await call('schedule_create', { text: 'take out the bins', when: { date: 'tomorrow', time: '02:30' } });
    // 02:30 happens twice on 25 Oct in Berlin; the first one (CEST) is used.
    assert.equal(r.resolved_local_time, 'Sun 25 Oct, 02:30');
    assert.equal(r.timezone, 'Europe/Berlin');
    assert.equal(r.confirmation_posted, true);
    assert.match(
      String(r.summary),
      /^⏰ Reminder set for Sun 25 Oct, 02:30 \(Europe\/Berlin\), in 4 h 30 min: “take out the bins”$/,
    );
    const card = await h.tg.waitForBotMessage(CHAT, (m) => m.text.includes('take out the bins'));
    assert.ok(card.replyMarkup);

    const rec = await call('schedule_create', {
      kind: 'prompt',
      text: 'news digest',
      when: { every: 'day', at: '07:00' },
    });
    assert.deepEqual(rec.next_runs_local, ['Sun 25 Oct, 07:00', 'Mon 26 Oct, 07:00', 'Tue 27 Oct, 07:00']);
  });

  it('rejects bad intents with a message the model can act on', async () => {
    await assert.rejects(
      call('schedule_create', { text: 'x', when: { cron: '0 25 * * *' } }),
      /"0 25 \* \* \*" is not a valid cron expression \(bad hour "25"\)/,
    );
    await assert.rejects(
      call('schedule_create', { text: 'x', when: { in: { minutes: 5 } }, timezone: 'Berlin' }),
      /"Berlin" is not a time zone I know/,
    );
    await assert.rejects(
      call('schedule_create', { text: 'x', when: { time: '21:00' } }),
      /already passed in Europe\/Berlin \(it's 22:00 there now\)\. Did you mean tomorrow\?/,
    );
    const bad = tools.get('schedule_create')!.parse({ text: 'x', when: { every: 'fortnight', at: '08:00' } });
    assert.equal(bad.ok, false);
  });

  it('schedule_list / update / delete act only on the caller’s jobs', async () => {
    const list = await call('schedule_list', {});
    assert.equal(list.count, 2);
    const jobs = list.jobs as { id: string; text: string; next_runs_local: string[] }[];
    const digest = jobs.find((j) => j.text === 'news digest')!;

    const paused = await call('schedule_update', { id: digest.id, enabled: false });
    assert.equal((paused.job as { enabled: boolean }).enabled, false);
    const moved = await call('schedule_update', {
      id: digest.id,
      enabled: true,
      when: { every: 'weekday', at: '06:45' },
    });
    assert.deepEqual((moved.job as { next_runs_local: string[] }).next_runs_local, [
      'Mon 26 Oct, 06:45',
      'Tue 27 Oct, 06:45',
      'Wed 28 Oct, 06:45',
    ]);

    await assert.rejects(
      call('schedule_delete', { id: digest.id }, ctx(999)),
      /There is no job .* of yours in this chat/,
    );
    const del = await call('schedule_delete', { id: digest.id });
    assert.equal(del.ok, true);
    assert.equal((await call('schedule_list', {})).count, 1);
  });

  it('schedule_create replayed in the same turn (crash before the turn finished) keeps one job and one card', async () => {
    const replayCtx = { ...ctx(), turnId: 'update:77' };
    const args = { text: 'water the plants', when: { in: { minutes: 45 } } };
    const first = await call('schedule_create', args, replayCtx);
    const again = await call('schedule_create', { when: { in: { minutes: 45 } }, text: 'water the plants' }, replayCtx);
    assert.equal(again.id, first.id, 'the replay returns the job the first call created');
    const rows = await h.stores[0]!.query(`SELECT id FROM jobs WHERE text = 'water the plants'`);
    assert.equal(rows.length, 1, 'one job in the table');
    const cards = h.tg.botMessages(CHAT).filter((m) => m.text.includes('water the plants'));
    assert.equal(cards.length, 1, 'one Keep/Cancel card in the chat');
    const other = await call('schedule_create', args, { ...ctx(), turnId: 'update:78' });
    assert.notEqual(other.id, first.id, 'the same request in a new turn is a new job');
  });
});

describe('group migration', () => {
  it('moves jobs to the new supergroup id', async () => {
    const h = await createHarness();
    try {
      const { scheduler } = await h.newScheduler();
      const c = await scheduler.create({
        ownerUserId: USER,
        chat: { chatId: -42, type: 'group' },
        kind: 'reminder',
        text: 'team lunch',
        when: { in: { hours: 1 } },
        announce: false,
      });
      assert.equal(await scheduler.migrateChat(-42, -100_42), 1);
      const job = await scheduler.get(c.job.id);
      assert.equal(job?.chatId, -100_42);
      assert.equal(job?.chatType, 'supergroup');
    } finally {
      await h.close();
    }
  });
});
