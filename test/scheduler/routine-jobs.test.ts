/**
 * Jobs that run a routine (issue 17): `schedule_create`'s skill/workflow arguments are checked through
 * `RoutineRunner.resolve`, the job keeps its target (zod-checked when read), and at its time the scheduler runs it
 * through `routines.run`: a routine that posted its own message finishes the run as delivered; an outcome is posted
 * like a prompt job's. The routines here are a workflow runner of the test (the port, as src/workflows implements it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ToolContext } from '../../src/agents/tool.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { RoutineRunner, RoutineTarget } from '../../src/core/routines.ts';
import type { TurnRequest } from '../../src/core/turn.ts';
import { jobFromRow } from '../../src/scheduler/job.ts';
import { createSchedulerTools } from '../../src/scheduler/tools.ts';
import { CHAT, type Harness, USER, createHarness } from './harness.ts';

const chat = { chatId: CHAT, type: 'private' as const };

/** A workflow runner like src/workflows': `briefing` posts its own message; `digest` returns an outcome to post. */
function workflowRunner(h: Harness) {
  const runs: { target: RoutineTarget; request: TurnRequest }[] = [];
  const runner: RoutineRunner = {
    async resolve(ref) {
      if (ref.workflow === 'briefing' || ref.workflow === 'digest' || ref.workflow === 'broken')
        return {
          ok: true,
          target: { type: 'workflow', workflow: ref.workflow, params: ref.params ?? {} },
          label: `${ref.workflow} (workflow)`,
        };
      return { ok: false, reason: `There is no workflow "${ref.workflow}". Workflows: "briefing", "digest".` };
    },
    async run(target, request) {
      runs.push({ target, request });
      if (target.type === 'workflow' && target.workflow === 'briefing') {
        const sent = await h.outbox.send({ chatId: request.chat.chatId }, { text: 'BRIEFING POSTED', format: 'plain' });
        return { posted: true, ...(sent.ok ? { messageId: sent.messageIds[0] } : {}) };
      }
      if (target.type === 'workflow' && target.workflow === 'broken') {
        const sent = await h.outbox.send({ chatId: request.chat.chatId }, { text: 'RUN STOPPED', format: 'plain' });
        return { posted: true, failed: 'a step failed', ...(sent.ok ? { messageId: sent.messageIds[0] } : {}) };
      }
      return {
        posted: false,
        outcome: { status: 'done', text: 'DIGEST TEXT', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } },
      };
    },
  };
  return { runner, runs };
}

const toolCtx = (h: Harness): ToolContext => ({
  userId: USER,
  chat,
  timezone: 'Europe/Berlin',
  turnId: 'update:1',
  agent: 'planner',
  callId: 'c1',
  clock: h.clock,
  log: createLogger({ level: 'silent' }),
  signal: new AbortController().signal,
  progress() {},
  suspend: () => {
    throw new Error('schedule_create never asks');
  },
});

describe('jobs that run a skill or a workflow', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h.close();
  });

  it('schedule_create checks the name through the routines: unknown → a clear error naming what exists', async () => {
    const { runner } = workflowRunner(h);
    const { scheduler } = await h.newScheduler({}, { routines: runner });
    const [create] = createSchedulerTools(scheduler);
    assert.ok(create);
    const args = create.parse({ workflow: 'mornin', when: { in: { minutes: 5 } } });
    assert.ok(args.ok);
    await assert.rejects(
      async () => create.execute(args.value, toolCtx(h)),
      /There is no workflow "mornin"\. Workflows: "briefing", "digest"\./,
    );
    const both = create.parse({ workflow: 'briefing', skill: 'x', when: { in: { minutes: 5 } } });
    assert.ok(both.ok);
    await assert.rejects(async () => create.execute(both.value, toolCtx(h)), /either a skill or a workflow/);
    const plain = create.parse({ when: { in: { minutes: 5 } } });
    assert.ok(plain.ok);
    await assert.rejects(async () => create.execute(plain.value, toolCtx(h)), /The reminder needs a text/);
    assert.equal((await scheduler.list({ ownerUserId: USER })).length, 0, 'nothing was created');
  });

  it('without routines wired, a job naming one is refused', async () => {
    const { scheduler } = await h.newScheduler();
    await assert.rejects(
      scheduler.create({
        ownerUserId: USER,
        chat,
        kind: 'prompt',
        text: '',
        routine: { skill: 'x' },
        when: { in: { minutes: 5 } },
      }),
      /cannot be scheduled here/,
    );
  });

  it('a workflow job: the card shows its label; at its time the routine posts and the run is delivered', async () => {
    const { runner, runs } = workflowRunner(h);
    const { scheduler, store } = await h.newScheduler({}, { routines: runner });
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'reminder',
      text: '',
      routine: { workflow: 'briefing', params: { city: 'Berlin' } },
      when: { in: { minutes: 5 } },
    });
    assert.equal(created.job.kind, 'prompt', 'a routine job counts as a prompt (limits, concurrency)');
    assert.equal(created.job.text, 'briefing (workflow)');
    assert.deepEqual(created.job.target, { type: 'workflow', workflow: 'briefing', params: { city: 'Berlin' } });
    const card = h.tg.botMessages(CHAT).find((m) => m.text.includes('“briefing (workflow)”'));
    assert.ok(card, 'the card names it');

    await h.clock.advance(5 * 60_000);
    await scheduler.tick();
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0]?.target, created.job.target);
    assert.equal(runs[0]?.request.source, 'schedule');
    assert.match(runs[0]?.request.turnId ?? '', new RegExp(created.job.id));
    const posted = h.tg.botMessages(CHAT).filter((m) => m.text === 'BRIEFING POSTED');
    assert.equal(posted.length, 1);
    assert.ok(
      !h.tg.botMessages(CHAT).some((m) => m.text.startsWith('🗓 “briefing')),
      'the scheduler posted nothing more',
    );
    const [run] = await store.query('SELECT status, message_id FROM job_runs WHERE job_id = ?', [created.job.id]);
    assert.equal(run?.status, 'delivered');
    assert.equal(Number(run?.message_id), posted[0]?.messageId);
    // Its only run is done: the card no longer offers Cancel and says it is done.
    await h.tg.waitFor(() => /✅ Done at/.test(h.tg.message(CHAT, card.messageId)?.text ?? '') || undefined, {
      label: 'the card says sent',
      timeoutMs: 5000,
    });
  });

  it('a routine that returns an outcome is posted like a prompt job', async () => {
    const { runner } = workflowRunner(h);
    const { scheduler } = await h.newScheduler({}, { routines: runner });
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'prompt',
      text: '',
      routine: { workflow: 'digest' },
      when: { in: { minutes: 5 } },
    });
    await h.clock.advance(5 * 60_000);
    await scheduler.tick();
    const posted = h.tg.botMessages(CHAT).find((m) => m.text.includes('DIGEST TEXT'));
    assert.equal(posted?.text, '🗓 “digest (workflow)”\n\nDIGEST TEXT');
    assert.equal((await scheduler.get(created.job.id))?.lastStatus, 'delivered');
  });

  it('a routine whose run failed after posting its notice counts as a failed run, not a delivered one', async () => {
    const { runner } = workflowRunner(h);
    const { scheduler, store } = await h.newScheduler({}, { routines: runner });
    const created = await scheduler.create({
      ownerUserId: USER,
      chat,
      kind: 'prompt',
      text: '',
      routine: { workflow: 'broken' },
      when: { in: { minutes: 5 } },
    });
    await h.clock.advance(5 * 60_000);
    await scheduler.tick();
    assert.equal(h.tg.botMessages(CHAT).filter((m) => m.text === 'RUN STOPPED').length, 1, 'its notice, once');
    const [run] = await store.query('SELECT status, error FROM job_runs WHERE job_id = ?', [created.job.id]);
    assert.deepEqual([run?.status, run?.error], ['failed', 'a step failed']);
    assert.equal((await scheduler.get(created.job.id))?.lastStatus, 'failed');
  });

  it('a stored target that does not read is an error naming the job, not a silent prompt', () => {
    const row = {
      id: 'j1',
      owner_user_id: USER,
      chat_id: CHAT,
      chat_type: 'private',
      kind: 'prompt',
      text: 'x',
      schedule: JSON.stringify({ type: 'once', at: 1 }),
      timezone: 'UTC',
      enabled: 1,
      created_at: 1,
      updated_at: 1,
    };
    assert.equal(jobFromRow(row).target, undefined);
    assert.deepEqual(jobFromRow({ ...row, target: '{"type":"skill","skillId":"s1"}' }).target, {
      type: 'skill',
      skillId: 's1',
    });
    assert.throws(
      () => jobFromRow({ ...row, target: '{"type":"macro","name":"x"}' }),
      /job j1 has an unreadable target/,
    );
    assert.throws(() => jobFromRow({ ...row, target: 'not json' }), /job j1 has an unreadable target/);
  });
});
