import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MIN_INTERVAL_MS,
  assertMinInterval,
  formatInterval,
  shortestGapMs,
  suggestCron,
} from '../../src/scheduler/frequency.ts';
import type { Schedule } from '../../src/scheduler/schedule.ts';

const NOW = Date.parse('2026-03-10T09:07:00Z');
const cron = (expression: string, timezone = 'Europe/Berlin'): Schedule => ({ type: 'cron', expression, timezone });
const MIN = 60_000;
const PROMPT = DEFAULT_MIN_INTERVAL_MS.prompt;
const REMINDER = DEFAULT_MIN_INTERVAL_MS.reminder;

describe('how often a schedule may fire (pure rule)', () => {
  it('defaults: prompts every 15 minutes at most, reminders every minute', () => {
    assert.equal(PROMPT, 15 * MIN);
    assert.equal(REMINDER, MIN);
  });

  it('measures the shortest gap over the next runs, including irregular crons', () => {
    assert.equal(shortestGapMs(cron('*/5 * * * *'), NOW), 5 * MIN);
    assert.equal(shortestGapMs(cron('* * * * *'), NOW), MIN);
    assert.equal(shortestGapMs(cron('0,1 * * * *'), NOW), MIN, 'minute 0 and 1: one minute apart, then 59');
    assert.equal(shortestGapMs(cron('0,50 9 * * *'), NOW), 50 * MIN);
    // Only on day 31 followed by day 1 do two runs come one minute apart; the sample still meets that pair.
    assert.equal(shortestGapMs(cron('0,59 0,23 1,31 * *'), NOW), MIN);
    assert.equal(shortestGapMs(cron('0 8 * * 1-5'), NOW), 24 * 60 * MIN);
    assert.equal(shortestGapMs({ type: 'once', at: NOW + MIN }, NOW), null);
  });

  it('a DST change does not count as a shorter gap (the answer does not depend on the date)', () => {
    // 29 March 2026: Berlin skips 02:00-03:00, so 00:00 → 12:00 is only 11 real hours that day.
    const beforeDst = Date.parse('2026-03-20T00:00:00Z');
    assert.equal(shortestGapMs(cron('0 */12 * * *'), beforeDst), 12 * 60 * MIN);
    assert.equal(shortestGapMs(cron('0 8 * * *', 'America/New_York'), beforeDst), 24 * 60 * MIN);
  });

  it('rejects prompts firing more often than the minimum, with the minimum and a suggestion', () => {
    for (const expr of ['*/5 * * * *', '* * * * *', '0,1 * * * *', '*/14 * * * *', '0,10,30,45 * * * *']) {
      assert.throws(
        () => assertMinInterval(cron(expr), 'prompt', PROMPT, NOW),
        (err: Error) =>
          err.name === 'ScheduleError' &&
          /^Scheduled prompts can run at most every 15 minutes \(each run asks the AI\)/.test(err.message) &&
          err.message.includes(`cron "${expr}" would run`) &&
          err.message.includes('for example cron "*/15 * * * *" (every 15 minutes)') &&
          err.message.includes('or make it a reminder'),
        expr,
      );
    }
    assert.throws(() => assertMinInterval(cron('0,1 * * * *'), 'prompt', PROMPT, NOW), /would run 1 minute apart/);
  });

  it('accepts prompts at or above the minimum, one-shots, and reminders down to one minute', () => {
    for (const expr of ['*/15 * * * *', '0 * * * *', '0,30 * * * *', '0 8 * * 1-5', '0 9 1 * *'])
      assert.doesNotThrow(() => assertMinInterval(cron(expr), 'prompt', PROMPT, NOW), expr);
    assert.doesNotThrow(() => assertMinInterval({ type: 'once', at: NOW + MIN }, 'prompt', PROMPT, NOW));
    for (const expr of ['* * * * *', '0,1 * * * *', '*/5 * * * *'])
      assert.doesNotThrow(() => assertMinInterval(cron(expr), 'reminder', REMINDER, NOW), expr);
  });

  it('a configured minimum changes the rule and the suggestion', () => {
    assert.throws(
      () => assertMinInterval(cron('0 * * * *'), 'prompt', 2 * 60 * MIN, NOW),
      /at most every 2 hours .* would run 1 hour apart\. .*cron "0 \*\/2 \* \* \*" \(every 2 hours\)/,
    );
    assert.doesNotThrow(() => assertMinInterval(cron('*/5 * * * *'), 'prompt', 5 * MIN, NOW));
  });

  it('suggests the most frequent plain cron that fits', () => {
    assert.deepEqual(suggestCron(MIN), { cron: '* * * * *', description: 'every minute' });
    assert.deepEqual(suggestCron(15 * MIN), { cron: '*/15 * * * *', description: 'every 15 minutes' });
    assert.deepEqual(suggestCron(25 * MIN), { cron: '*/30 * * * *', description: 'every 30 minutes' });
    assert.deepEqual(suggestCron(45 * MIN), { cron: '0 * * * *', description: 'every hour' });
    assert.deepEqual(suggestCron(5 * 60 * MIN), { cron: '0 */6 * * *', description: 'every 6 hours' });
    assert.deepEqual(suggestCron(13 * 60 * MIN), { cron: '0 9 * * *', description: 'every day at 09:00' });
    // Every suggestion really keeps the gap it promises.
    for (const m of [1, 7, 15, 25, 45, 90, 300, 720])
      assert.ok((shortestGapMs(cron(suggestCron(m * MIN).cron), NOW) ?? 0) >= m * MIN, `suggestion for ${m} min`);
  });

  it('formats intervals in plain words', () => {
    assert.equal(formatInterval(MIN), '1 minute');
    assert.equal(formatInterval(15 * MIN), '15 minutes');
    assert.equal(formatInterval(60 * MIN), '1 hour');
    assert.equal(formatInterval(90 * MIN), '90 minutes');
    assert.equal(formatInterval(3 * 60 * MIN), '3 hours');
  });
});
