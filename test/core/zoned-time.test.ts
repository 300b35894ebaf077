import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDayMonth,
  formatIn,
  formatLocal,
  formatTimeOrDate,
  formatWeekdayTime,
  isTimeZone,
  localIso,
} from '../../src/core/zoned-time.ts';

const AT = Date.UTC(2026, 9, 13, 7, 5); // Tue 13 Oct 2026, 09:05 in Berlin (summer time)
const BERLIN = 'Europe/Berlin';

describe('zoned-time: one module for time zones and local formatting', () => {
  it('formats in English by default (the wording the bot has always used)', () => {
    assert.equal(formatLocal(AT, BERLIN), 'Tue 13 Oct, 09:05');
    assert.equal(formatLocal(AT, BERLIN, Date.UTC(2025, 0, 1)), 'Tue 13 Oct 2026, 09:05');
    assert.equal(formatIn(2 * 3_600_000 + 13 * 60_000), 'in 2 h 13 min');
    assert.equal(formatDayMonth(AT, BERLIN), '13 Oct');
    assert.equal(formatDayMonth(AT, 'Not/AZone', { year: true }), '13 Oct 2026');
    assert.equal(formatTimeOrDate(AT, BERLIN, AT + 60_000), '09:05');
    assert.equal(formatTimeOrDate(AT, BERLIN, AT + 2 * 86_400_000), '13 Oct 09:05');
    assert.equal(formatWeekdayTime(AT, BERLIN), 'Tue 09:05');
    assert.equal(localIso(AT, BERLIN), '2026-10-13T09:05:00+02:00');
  });

  it('formats in Russian when asked', () => {
    assert.equal(formatLocal(AT, BERLIN, undefined, 'ru'), 'вт 13 окт., 09:05');
    assert.equal(formatIn(2 * 3_600_000 + 13 * 60_000, 'ru'), 'через 2 ч 13 мин');
    assert.equal(formatIn(45_000, 'ru'), 'через 45 с');
    assert.equal(formatDayMonth(AT, BERLIN, { locale: 'ru' }), '13 окт.');
    assert.equal(formatTimeOrDate(AT, BERLIN, AT + 2 * 86_400_000, 'ru'), '13 окт. 09:05');
    assert.equal(formatWeekdayTime(AT, BERLIN, 'ru'), 'вт 09:05');
  });

  it('knows IANA zones', () => {
    assert.equal(isTimeZone(BERLIN), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
    assert.equal(isTimeZone(''), false);
    // UTC needs no IANA list; aliases the runtime's list lacks (it varies by ICU version) go through a formatter.
    for (const zone of [
      'UTC',
      'Etc/UTC',
      'GMT',
      'Asia/Kolkata',
      'Asia/Calcutta',
      'Europe/Kiev',
      'Europe/Kyiv',
      'US/Eastern',
    ])
      assert.equal(isTimeZone(zone), true, zone);
    for (const zone of ['Europe/Berlinn', 'UTC+25', 'Etc/GMT+99', ' Europe/Berlin'])
      assert.equal(isTimeZone(zone), false, zone);
  });
});
