/**
 * A scheduled run carries its owner's language (TurnRequest.locale), so texts the turn produces for the user (limits,
 * failures, cards) can be in it. The real scheduler and turn runner, the fake Gemini; the runner is wrapped only to
 * read the request it gets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResumableTurnRunner, TurnRequest } from '../../src/core/turn.ts';
import { CHAT, USER, createHarness } from '../scheduler/harness.ts';

test('a scheduled prompt runs in its owner’s language', async () => {
  const h = await createHarness();
  try {
    const seen: TurnRequest[] = [];
    const reading: ResumableTurnRunner = {
      run: (request, onEvent) => {
        seen.push(request);
        return h.turnRunner.run(request, onEvent);
      },
      resume: (...args) => h.turnRunner.resume(...args),
    };
    const { scheduler } = await h.newScheduler({}, { turnRunner: reading, localeOf: async () => 'ru' as const });
    await scheduler.start();
    await scheduler.create({
      ownerUserId: USER,
      chat: { chatId: CHAT, type: 'private' },
      kind: 'prompt',
      text: 'Утренняя сводка',
      when: { in: { minutes: 1 } },
      announce: false,
    });
    h.gemini.enqueue({ text: 'Доброе утро!' });
    await h.clock.advance(60_000);
    await scheduler.tick();
    await h.tg.waitForBotMessage(CHAT, (m) => m.text.includes('Доброе утро!'));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.locale, 'ru');
    assert.equal(seen[0]?.source, 'schedule');
  } finally {
    await h.close();
  }
});
