/**
 * One message per reminder (issue 12, point 8): a turn that schedules answers with the confirmation card itself. The
 * real turn runner and Network against the fake Gemini, the real scheduler and outbox against the fake Telegram.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../src/agents/tool.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ResumableTurnRunner, TurnRequest } from '../../src/core/turn.ts';
import type { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createSchedulerTools } from '../../src/scheduler/tools.ts';
import { type TurnAnswers, createTurnAnswers } from '../../src/scheduler/turn-answers.ts';
import type { RecordedRequest, Reply } from '../support/fake-gemini.ts';
import { CHAT, type Harness, USER, buildTurnRunner, createHarness } from './harness.ts';

const weather = defineTool({
  name: 'weather_lookup',
  description: 'The weather forecast for a city.',
  input: z.object({ city: z.string() }),
  execute: () => ({ forecast: 'rain' }),
});

function lastResponse(req: RecordedRequest): string | undefined {
  return req.contents.at(-1)?.parts?.find((p) => p.functionResponse)?.functionResponse?.name ?? undefined;
}

describe('a turn that schedules answers with its card', () => {
  let h: Harness;
  let scheduler: Scheduler;
  let answers: TurnAnswers;
  let runner: ResumableTurnRunner;
  let seq = 0;
  const request = (text: string): TurnRequest => ({
    turnId: `update:${++seq}`,
    userId: USER,
    chat: { chatId: CHAT, type: 'private' },
    text,
    attachments: [],
    source: 'telegram',
    timezone: 'Europe/Berlin',
  });

  before(async () => {
    h = await createHarness(Date.parse('2026-01-15T12:00:00Z'));
    scheduler = (await h.newScheduler()).scheduler;
    answers = createTurnAnswers({
      scheduler,
      outbox: h.outbox,
      clock: h.clock,
      log: createLogger({ level: 'silent' }),
    });
    runner = answers.wrap(buildTurnRunner(h.gemini, [...createSchedulerTools(scheduler, answers), weather]));
    // The assistant schedules (and looks up the weather when asked), then restates what it did.
    h.gemini.setHandler((req): Reply | undefined => {
      if (req.model === 'gemini-test-router') {
        if (lastResponse(req)) return { text: 'router summary' };
        return { functionCalls: [{ name: 'agent_assistant', args: { task: req.lastUserText } }] };
      }
      const done = lastResponse(req);
      if (done === 'schedule_create')
        return {
          text: /weather/.test(req.lastUserText)
            ? 'It will rain in Berlin. Reminder set for 13:10.'
            : 'Done — reminder set for 13:10.',
        };
      if (done === 'weather_lookup')
        return {
          functionCalls: [
            { name: 'schedule_create', args: { text: 'take an umbrella', when: { in: { minutes: 10 } } } },
          ],
        };
      if (/weather/.test(req.lastUserText))
        return { functionCalls: [{ name: 'weather_lookup', args: { city: 'Berlin' } }] };
      return {
        functionCalls: [{ name: 'schedule_create', args: { text: 'call mom', when: { in: { minutes: 10 } } } }],
      };
    });
  });
  after(async () => {
    await h.close();
  });

  it('only scheduling: the answer IS the card with "Cancel reminder"; the model\'s restatement is dropped and nothing else is posted', async () => {
    const outcome = await runner.run(request('remind me in 10 minutes to call mom'));
    assert.equal(outcome.status, 'done');
    const [job] = await scheduler.list({ ownerUserId: USER });
    assert.ok(job);
    assert.equal(outcome.text, '⏰ Reminder set for Thu 15 Jan, 13:10 \\(Europe/Berlin\\), in 10 min: “call mom”');
    assert.deepEqual(outcome.keyboard, [[{ text: '✖️ Cancel reminder', data: `job:x:${job.id}` }]]);
    assert.deepEqual(h.tg.botMessages(CHAT), [], 'the tool posted no card of its own');
    await scheduler.delete(job.id);
  });

  it("the turn also did something else: the model's words stay, the card follows in the same answer", async () => {
    const outcome = await runner.run(request('what is the weather, and remind me to take an umbrella'));
    const [job] = await scheduler.list({ ownerUserId: USER });
    assert.ok(job);
    assert.equal(
      outcome.text,
      'It will rain in Berlin. Reminder set for 13:10.\n\n⏰ Reminder set for Thu 15 Jan, 13:10 \\(Europe/Berlin\\), in 10 min: “take an umbrella”',
    );
    assert.deepEqual(outcome.keyboard, [[{ text: '✖️ Cancel reminder', data: `job:c:${job.id}` }]]);
    assert.deepEqual(h.tg.botMessages(CHAT), []);
    await scheduler.delete(job.id);
  });

  it('outside a wrapped turn (e.g. a tool run directly) the card is posted at once, as before', async () => {
    const [create] = createSchedulerTools(scheduler, answers);
    const args = create!.parse({ text: 'stretch', when: { in: { minutes: 5 } } });
    assert.ok(args.ok);
    await create!.execute(args.value, {
      userId: USER,
      chat: { chatId: CHAT, type: 'private' },
      timezone: 'Europe/Berlin',
      turnId: 'update:999',
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
    const card = await h.tg.waitForBotMessage(CHAT, (m) => m.text.includes('“stretch”'), { since: 'any' });
    assert.equal(card.text, '⏰ Reminder set for Thu 15 Jan, 13:05 (Europe/Berlin), in 5 min: “stretch”');
  });
});
