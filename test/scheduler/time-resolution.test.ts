import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScheduleError, nextRuns, resolveWhen, snoozeTarget, validateCron } from '../../src/scheduler/schedule.ts';
import { formatLocal, wallTimeOf, wallToInstant } from '../../src/core/zoned-time.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const BERLIN = 'Europe/Berlin';

describe('time resolution in the user time zone', () => {
  it('"in 20 minutes" near midnight crosses into the next local day', () => {
    const now = Date.parse('2026-05-10T21:50:00Z'); // 23:50 in Berlin (CEST)
    const r = resolveWhen({ in: { minutes: 20 } }, now, BERLIN);
    assert.equal(r.firstRun, now + 20 * 60_000);
    assert.deepEqual(r.schedule, { type: 'once', at: now + 20 * 60_000 });
    const w = wallTimeOf(r.firstRun, BERLIN);
    assert.deepEqual([w.month, w.day, w.hour, w.minute], [5, 11, 0, 10]);
    assert.equal(r.description, 'Mon 11 May, 00:10');
  });

  it('"in 20 minutes" at month end and year end rolls the date correctly', () => {
    const monthEnd = Date.parse('2026-04-30T21:45:00Z'); // 23:45 Berlin
    const a = wallTimeOf(resolveWhen({ in: { minutes: 20 } }, monthEnd, BERLIN).firstRun, BERLIN);
    assert.deepEqual([a.year, a.month, a.day, a.hour, a.minute], [2026, 5, 1, 0, 5]);
    const yearEnd = Date.parse('2026-12-31T22:50:00Z'); // 23:50 Berlin (CET)
    const b = wallTimeOf(resolveWhen({ in: { minutes: 20 } }, yearEnd, BERLIN).firstRun, BERLIN);
    assert.deepEqual([b.year, b.month, b.day, b.hour, b.minute], [2027, 1, 1, 0, 10]);
    // Feb 28 in a non-leap year, Kolkata (+05:30)
    const feb = Date.parse('2027-02-28T18:15:00Z'); // 23:45 IST
    const c = wallTimeOf(resolveWhen({ in: { minutes: 20 } }, feb, 'Asia/Kolkata').firstRun, 'Asia/Kolkata');
    assert.deepEqual([c.month, c.day, c.hour, c.minute], [3, 1, 0, 5]);
  });

  it('"in 1 day" keeps the local time of day across the DST change', () => {
    const now = Date.parse('2026-03-28T08:00:00Z'); // Sat 09:00 CET
    const r = resolveWhen({ in: { days: 1 } }, now, BERLIN);
    assert.equal(iso(r.firstRun), '2026-03-29T07:00:00.000Z'); // Sun 09:00 CEST, 23 h later
  });

  it('local date and time: "tomorrow 09:00" and weekday names resolve in the zone', () => {
    const now = Date.parse('2026-01-15T12:00:00Z'); // Thu 13:00 Berlin
    assert.equal(
      iso(resolveWhen({ date: 'tomorrow', time: '09:00' }, now, BERLIN).firstRun),
      '2026-01-16T08:00:00.000Z',
    );
    assert.equal(iso(resolveWhen({ date: 'monday', time: '07:30' }, now, BERLIN).firstRun), '2026-01-19T06:30:00.000Z');
    // Same weekday with the time still ahead today → today; already passed → next week.
    assert.equal(
      iso(resolveWhen({ date: 'thursday', time: '18:00' }, now, BERLIN).firstRun),
      '2026-01-15T17:00:00.000Z',
    );
    assert.equal(
      iso(resolveWhen({ date: 'thursday', time: '08:00' }, now, BERLIN).firstRun),
      '2026-01-22T07:00:00.000Z',
    );
    assert.equal(
      iso(resolveWhen({ date: '2026-02-01', time: '00:00' }, now, 'Asia/Kolkata').firstRun),
      '2026-01-31T18:30:00.000Z',
    );
  });

  it('rejects past times with the local time and a suggestion', () => {
    const now = Date.parse('2026-01-15T13:05:00Z'); // 14:05 Berlin
    assert.throws(
      () => resolveWhen({ time: '09:00' }, now, BERLIN),
      (e: unknown) =>
        e instanceof ScheduleError &&
        e.message === "That time has already passed in Europe/Berlin (it's 14:05 there now). Did you mean tomorrow?",
    );
    assert.throws(
      () => resolveWhen({ date: '2025-12-01', time: '09:00' }, now, BERLIN),
      /already passed.*Pick a future date/,
    );
    assert.throws(() => resolveWhen({ date: '2026-02-30', time: '09:00' }, now, BERLIN), /not a real date/);
    assert.throws(() => resolveWhen({ time: '25:00' }, now, BERLIN), /24-hour "HH:MM"/);
    assert.throws(() => resolveWhen({ in: {} }, now, BERLIN), /positive duration/);
    assert.throws(
      () => resolveWhen({ in: { minutes: 5 }, cron: '* * * * *' }, now, BERLIN),
      /exactly one kind of time/,
    );
  });

  it('invalid time zones and cron expressions are rejected with a clear message', () => {
    const now = Date.parse('2026-01-15T12:00:00Z');
    assert.throws(
      () => resolveWhen({ in: { minutes: 5 } }, now, 'Mars/Olympus'),
      (e: unknown) => {
        assert.ok(e instanceof ScheduleError);
        assert.match(e.message, /"Mars\/Olympus" is not a time zone I know\. Use an IANA name such as Europe\/Berlin/);
        return true;
      },
    );
    assert.throws(
      () => resolveWhen({ cron: '61 * * * *' }, now, BERLIN),
      /not a valid cron expression \(bad minute "61"\)/,
    );
    assert.throws(() => resolveWhen({ cron: 'every day' }, now, BERLIN), /needs 5 fields/);
    assert.throws(() => resolveWhen({ cron: '*/10 * * * * *' }, now, BERLIN), /needs 5 fields/);
    assert.throws(() => resolveWhen({ cron: '0 0 30 2 *' }, now, BERLIN), /never fires/);
    assert.throws(() => validateCron('0 8 * * 9', BERLIN), /bad weekday "9"/);
    assert.throws(() => resolveWhen({ every: 'day' }, now, BERLIN), /"every" needs "at"/);
  });

  it('simple recurrences normalize to cron with the next runs in local time', () => {
    const now = Date.parse('2026-01-15T12:00:00Z'); // Thursday
    const r = resolveWhen({ every: 'weekday', at: '08:00' }, now, BERLIN);
    assert.deepEqual(r.schedule, {
      type: 'cron',
      expression: '0 8 * * 1-5',
      timezone: BERLIN,
      description: 'every weekday (Mon-Fri) at 08:00',
    });
    const runs = nextRuns(r.schedule, now, 3).map((t) => formatLocal(t, BERLIN));
    assert.deepEqual(runs, ['Fri 16 Jan, 08:00', 'Mon 19 Jan, 08:00', 'Tue 20 Jan, 08:00']);
    const weekend = resolveWhen({ every: 'weekend', at: '10:15' }, now, BERLIN);
    assert.equal(weekend.schedule.type === 'cron' && weekend.schedule.expression, '15 10 * * 0,6');
    const fri = resolveWhen({ every: 'friday', at: '17:00' }, now, BERLIN);
    assert.equal(fri.schedule.type === 'cron' && fri.schedule.expression, '0 17 * * 5');
  });
});

describe('DST safety', () => {
  it('Europe/Berlin March: a 02:30 daily job fires once at 03:00 on the spring-forward day (croner), then 02:30 again', () => {
    const r = resolveWhen({ every: 'day', at: '02:30' }, Date.parse('2026-03-27T12:00:00Z'), BERLIN);
    const runs = nextRuns(r.schedule, Date.parse('2026-03-27T12:00:00Z'), 4).map(iso);
    assert.deepEqual(runs, [
      '2026-03-28T01:30:00.000Z', // Sat 02:30 CET
      '2026-03-29T01:00:00.000Z', // Sun: 02:30 does not exist → 03:00 CEST, once
      '2026-03-30T00:30:00.000Z', // Mon 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin October: a 02:30 daily job fires once on the fall-back day, not twice', () => {
    const runs = nextRuns(
      { type: 'cron', expression: '30 2 * * *', timezone: BERLIN },
      Date.parse('2026-10-24T12:00:00Z'),
      3,
    );
    assert.deepEqual(runs.map(iso), [
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
    // Every local 02:30 appears exactly once per day.
    const days = runs.map((t) => wallTimeOf(t, BERLIN)).map((w) => `${w.day} ${w.hour}:${w.minute}`);
    assert.deepEqual(days, ['25 2:30', '26 2:30', '27 2:30']);
  });

  it('a daily 08:00 job keeps 08:00 local across both transitions', () => {
    const s = { type: 'cron' as const, expression: '0 8 * * *', timezone: BERLIN };
    assert.deepEqual(nextRuns(s, Date.parse('2026-03-28T12:00:00Z'), 2).map(iso), [
      '2026-03-29T06:00:00.000Z',
      '2026-03-30T06:00:00.000Z',
    ]);
    assert.deepEqual(nextRuns(s, Date.parse('2026-10-24T12:00:00Z'), 2).map(iso), [
      '2026-10-25T07:00:00.000Z',
      '2026-10-26T07:00:00.000Z',
    ]);
  });

  it('one-shots in the spring gap resolve forward with a note; fall-back ambiguity takes the first 02:30', () => {
    const now = Date.parse('2026-03-28T12:00:00Z');
    const gap = resolveWhen({ date: '2026-03-29', time: '02:30' }, now, BERLIN);
    assert.equal(iso(gap.firstRun), '2026-03-29T01:00:00.000Z'); // 03:00 CEST
    assert.deepEqual(gap.notes, [
      "02:30 doesn't exist on that day in Europe/Berlin (clocks jump forward), so I set it for 03:00.",
    ]);
    const amb = wallToInstant({ year: 2026, month: 10, day: 25 }, { hour: 2, minute: 30 }, BERLIN);
    assert.equal(iso(amb.at), '2026-10-25T00:30:00.000Z');
    assert.equal(amb.ambiguous, true);
  });

  it('Asia/Kolkata (+05:30, no DST) resolves half-hour offsets', () => {
    const now = Date.parse('2026-03-28T12:00:00Z'); // 17:30 IST
    const r = resolveWhen({ every: 'day', at: '09:00' }, now, 'Asia/Kolkata');
    assert.deepEqual(nextRuns(r.schedule, now, 2).map(iso), ['2026-03-29T03:30:00.000Z', '2026-03-30T03:30:00.000Z']);
    assert.equal(
      iso(resolveWhen({ date: 'today', time: '18:00' }, now, 'Asia/Kolkata').firstRun),
      '2026-03-28T12:30:00.000Z',
    );
    assert.throws(() => resolveWhen({ date: 'today', time: '17:29' }, now, 'Asia/Kolkata'), /it's 17:30 there now/);
  });

  it('snooze "tomorrow" keeps the reminder local time', () => {
    const sf = Date.parse('2026-03-28T08:00:00Z'); // Sat 09:00 CET
    const at = snoozeTarget('tm', sf + 120_000, sf, BERLIN);
    assert.equal(iso(at), '2026-03-29T07:00:00.000Z'); // Sun 09:00 CEST
    assert.equal(snoozeTarget('10m', sf, sf, BERLIN), sf + 600_000);
    assert.equal(snoozeTarget('1h', sf, sf, BERLIN), sf + 3_600_000);
  });
});
