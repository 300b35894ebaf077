/** /why tells what the guards did in the last answer (halted, redacted, flagged), in English and Russian. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_ACTIVITY, type TurnActivity, createActivityLog, turnActivitySchema } from '../../src/core/activity.ts';
import { explainAnswer } from '../../src/memory/why-text.ts';

const date = () => '3 May';

function explain(activity: TurnActivity, locale: 'en' | 'ru' = 'en'): string {
  return explainAnswer({
    userId: 1,
    decisions: {},
    waiting: [],
    date,
    locale,
    last: { facts: [], messages: [], activity },
  });
}

describe('/why and the guards', () => {
  it("collects the guards' events once each, keeps them across a suspension, and stores them as valid JSON", () => {
    const log = createActivityLog();
    log.observe({ type: 'guard', processor: 'secrets', hook: 'output', action: 'redact' });
    log.observe({ type: 'guard', processor: 'secrets', hook: 'output', action: 'redact' });
    const resumed = createActivityLog(log.result({ attachments: [] }));
    resumed.observe({ type: 'guard', processor: 'max-tool-calls', hook: 'toolCall', action: 'halt' });
    const activity = resumed.result({ attachments: [] });
    assert.deepEqual(activity.guards, [
      { processor: 'secrets', hook: 'output', action: 'redact' },
      { processor: 'max-tool-calls', hook: 'toolCall', action: 'halt' },
    ]);
    assert.ok(turnActivitySchema.safeParse(activity).success);
    assert.equal(createActivityLog().result({ attachments: [] }).guards, undefined, 'absent when nothing happened');
  });

  it('says it in sentences', () => {
    const activity: TurnActivity = {
      ...EMPTY_ACTIVITY,
      tools: [{ tool: 'http_fetch', callId: 'c1', target: 'example.com', ok: true }],
      guards: [
        { processor: 'injection', hook: 'toolResult', action: 'flag' },
        { processor: 'secrets', hook: 'output', action: 'redact' },
        { processor: 'injection', hook: 'toolResult', action: 'halt' },
      ],
    };
    assert.equal(
      explain(activity),
      [
        'I fetched example.com.',
        'Something I read looked like instructions aimed at me; I treated it only as data.',
        'I removed a secret (a key or token) from my answer.',
        'I stopped this request: the text I read looked like instructions aimed at me (a possible prompt injection).',
      ].join('\n'),
    );
    assert.equal(
      explain({ ...EMPTY_ACTIVITY, guards: [{ processor: 'max-tool-calls', hook: 'toolCall', action: 'halt' }] }, 'ru'),
      'Я остановил этот запрос: ему понадобилось больше вызовов инструментов, чем можно за один запрос.',
    );
  });
});
