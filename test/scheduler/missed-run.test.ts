import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../src/scheduler/job.ts';
import { countBetween, decideDue, latestWithinGrace } from '../../src/scheduler/missed-run.ts';
import type { Schedule } from '../../src/scheduler/schedule.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 5, 8, 0); // a Monday, 08:00 UTC
const hourly: Schedule = { type: 'cron', expression: '0 * * * *', timezone: 'UTC' };

function job(patch: Partial<Job>): Job {
  return {
    id: 'j1',
    ownerUserId: 1,
    chatId: 1,
    chatType: 'private',
    kind: 'reminder',
    text: 'water the plants',
    schedule: hourly,
    timezone: 'UTC',
    enabled: true,
    nextRunAt: T0,
    lastRunAt: null,
    lastStatus: null,
    lastError: null,
    consecutiveFailures: 0,
    missedPolicy: 'run_once_within_grace',
    graceMs: HOUR,
    pausedReason: null,
    completedAt: null,
    deletedAt: null,
    undoToken: null,
    cardMessageId: null,
    cardSolo: false,
    createdAt: T0 - HOUR,
    updatedAt: T0 - HOUR,
    ...patch,
  };
}

describe('missed-run rules (pure, no database)', () => {
  it('runs an occurrence that is at most onTimeMs late as scheduled, and moves to the next one', () => {
    const d = decideDue(job({}), T0 + 2 * MIN, 2 * MIN);
    assert.deepEqual(d, { run: { scheduledFor: T0, trigger: 'schedule' }, next: T0 + HOUR });
  });

  it('a one-shot on time is done afterwards (next null)', () => {
    const d = decideDue(job({ schedule: { type: 'once', at: T0 } }), T0, 2 * MIN);
    assert.equal(d.next, null);
    assert.equal(d.run?.trigger, 'schedule');
  });

  it('skip: records the missed occurrences and runs nothing', () => {
    const d = decideDue(job({ missedPolicy: 'skip' }), T0 + 3 * HOUR + 5 * MIN, 2 * MIN);
    assert.equal(d.run, undefined);
    assert.deepEqual(d.record, { scheduledFor: T0, status: 'skipped', error: '4 missed while offline' });
    assert.equal(d.next, T0 + 4 * HOUR);
  });

  it('notify: posts one notice carrying how many were missed', () => {
    const d = decideDue(job({ missedPolicy: 'notify' }), T0 + 2 * HOUR + 5 * MIN, 2 * MIN);
    assert.deepEqual(d.run, { scheduledFor: T0, trigger: 'missed_notice', missedCount: 3 });
  });

  it('run_once_within_grace: runs the latest occurrence inside the window and records the earlier ones', () => {
    const d = decideDue(job({}), T0 + 2 * HOUR + 5 * MIN, 2 * MIN);
    assert.deepEqual(d.run, { scheduledFor: T0 + 2 * HOUR, trigger: 'late' });
    assert.deepEqual(d.record, { scheduledFor: T0, status: 'skipped', error: '2 earlier occurrence(s) skipped' });
    assert.equal(d.next, T0 + 3 * HOUR);
  });

  it('run_once_within_grace: a one-shot missed beyond the grace window is skipped with the reason', () => {
    const d = decideDue(job({ schedule: { type: 'once', at: T0 }, graceMs: 30 * MIN }), T0 + HOUR, 2 * MIN);
    assert.equal(d.run, undefined);
    assert.equal(d.record?.error, '1 missed while offline, outside the grace window');
    assert.equal(d.next, null);
  });

  it('counts at most the cap and finds the latest occurrence in the grace window', () => {
    assert.equal(countBetween(hourly, T0, T0 + 500 * HOUR), 100);
    assert.equal(latestWithinGrace(hourly, T0, T0 + 5 * HOUR + MIN, HOUR), T0 + 5 * HOUR);
    assert.equal(latestWithinGrace(hourly, T0, T0 + 5 * HOUR - MIN, 30 * MIN), null);
  });
});
