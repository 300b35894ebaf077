/**
 * "Change time": what a person may type, read into the same structured intent schedule_create uses, and resolved by
 * the real resolver in the job's zone. A repeating job keeps its days when only a time of day is typed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../src/scheduler/job.ts';
import { resolveWhen } from '../../src/scheduler/schedule.ts';
import { parseTimeInput, whenForJob } from '../../src/scheduler/time-input.ts';
import { formatLocal } from '../../src/core/zoned-time.ts';

const NOW = Date.parse('2026-06-10T10:00:00Z'); // Wed 12:00 in Berlin
const TZ = 'Europe/Berlin';
const at = (text: string) => {
  const when = parseTimeInput(text);
  assert.ok(when, `"${text}" is read as a time`);
  const r = resolveWhen(when, NOW, TZ);
  return r.schedule.type === 'once' ? formatLocal(r.firstRun, TZ, NOW) : r.description;
};

describe('typed times', () => {
  it('reads times of day, relative times, days and repeats', () => {
    assert.equal(at('18:30'), 'Wed 10 Jun, 18:30');
    assert.equal(at('6pm'), 'Wed 10 Jun, 18:00');
    assert.equal(at('6:45 pm'), 'Wed 10 Jun, 18:45');
    assert.equal(at('at 19'), 'Wed 10 Jun, 19:00');
    assert.equal(at('in 20 minutes'), 'Wed 10 Jun, 12:20');
    assert.equal(at('in an hour'), 'Wed 10 Jun, 13:00');
    assert.equal(at('in 2h'), 'Wed 10 Jun, 14:00');
    assert.equal(at('tomorrow 9:00'), 'Thu 11 Jun, 09:00');
    assert.equal(at('Tomorrow at 9am'), 'Thu 11 Jun, 09:00');
    assert.equal(at('friday 9:00'), 'Fri 12 Jun, 09:00');
    assert.equal(at('on Mon at 7:15'), 'Mon 15 Jun, 07:15');
    assert.equal(at('2026-07-01 08:00'), 'Wed 1 Jul, 08:00');
    assert.equal(at('every monday 8:00'), 'every Monday at 08:00');
    assert.equal(at('every weekday at 7:30'), 'every weekday (Mon-Fri) at 07:30');
    assert.equal(at('daily 6:00'), 'every day at 06:00');
  });

  it('reads the same forms typed in Russian', () => {
    assert.equal(at('18:30'), 'Wed 10 Jun, 18:30');
    assert.equal(at('в 19:00'), 'Wed 10 Jun, 19:00');
    assert.equal(at('через 20 минут'), 'Wed 10 Jun, 12:20');
    assert.equal(at('через час'), 'Wed 10 Jun, 13:00');
    assert.equal(at('через 2 часа'), 'Wed 10 Jun, 14:00');
    assert.equal(at('завтра 9:00'), 'Thu 11 Jun, 09:00');
    assert.equal(at('Завтра в 9:00'), 'Thu 11 Jun, 09:00');
    assert.equal(at('сегодня в 18:00'), 'Wed 10 Jun, 18:00');
    assert.equal(at('в пятницу в 9:00'), 'Fri 12 Jun, 09:00');
    assert.equal(at('во вторник 7:15'), 'Tue 16 Jun, 07:15');
    assert.equal(at('каждый понедельник 8:00'), 'every Monday at 08:00');
    assert.equal(at('каждую пятницу в 18:00'), 'every Friday at 18:00');
    assert.equal(at('по будням 7:30'), 'every weekday (Mon-Fri) at 07:30');
    assert.equal(at('ежедневно в 6:00'), 'every day at 06:00');
    for (const text of ['банан', 'через минут', 'завтра', 'каждый блурсдей 8:00', 'позвони маме в обед']) {
      assert.equal(parseTimeInput(text), undefined, text);
    }
  });

  it('refuses what is not a time, so the user gets the examples', () => {
    for (const text of [
      'banana',
      '9',
      'tomorrow',
      'in minutes',
      '25:00',
      '13pm',
      'every blursday 8:00',
      'call mom at noon please',
    ]) {
      assert.equal(parseTimeInput(text), undefined, text);
    }
  });

  it('a time of day on a repeating job keeps its days', () => {
    const job = (expression: string) => ({ schedule: { type: 'cron', expression, timezone: TZ } }) as Job;
    assert.deepEqual(whenForJob(job('0 8 * * 1'), { time: '09:30' }), { every: 'monday', at: '09:30' });
    assert.deepEqual(whenForJob(job('0 8 * * 1-5'), { time: '07:00' }), { every: 'weekday', at: '07:00' });
    assert.deepEqual(whenForJob(job('0 8 * * *'), { time: '07:00' }), { every: 'day', at: '07:00' });
    assert.deepEqual(whenForJob(job('0 8 * * 1,3'), { time: '07:05' }), { cron: '5 7 * * 1,3' });
    assert.deepEqual(whenForJob(job('0 8 * * 1'), { date: 'tomorrow', time: '09:30' }), {
      date: 'tomorrow',
      time: '09:30',
    });
    assert.deepEqual(whenForJob(job('*/5 * * * *'), { time: '09:30' }), { time: '09:30' });
  });
});

describe('schedule errors a person reads', () => {
  it('are said in their language; errors without person-facing words keep their message', async () => {
    const { scheduleErrorText } = await import('../../src/scheduler/schedule-error-texts.ts');
    const { ScheduleError } = await import('../../src/scheduler/schedule.ts');
    let caught: unknown;
    try {
      resolveWhen({ date: '2026-02-30', time: '09:00' }, NOW, TZ);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof ScheduleError);
    assert.equal(caught.message, '2026-02-30 is not a real date. Check the day and month.');
    assert.equal(scheduleErrorText(caught.userText, 'en'), caught.message);
    assert.equal(scheduleErrorText(caught.userText, 'ru'), 'Даты 2026-02-30 не существует. Проверьте день и месяц.');
    assert.equal(scheduleErrorText({ key: 'tooManyJobs', max: 100 }, 'ru')?.startsWith('У вас уже 100 задач'), true);
    assert.equal(scheduleErrorText(undefined, 'ru'), undefined);
  });
});
