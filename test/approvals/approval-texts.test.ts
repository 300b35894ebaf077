/** The approvals' catalogue in Russian: complete, plural forms, times, and the English source unchanged. Pure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalTexts } from '../../src/approvals/approval-texts.ts';
import { formatTime } from '../../src/approvals/time-format.ts';

describe('approval texts', () => {
  it('every Russian text is filled in and written in Cyrillic where English has words', () => {
    const en = approvalTexts.source as Record<string, unknown>;
    const ru = approvalTexts.translations.ru as Record<string, unknown>;
    const sample = new Proxy({}, { get: (_t, key) => (key === 'n' || key === 'length' || key === 'shown' ? 3 : 'X') });
    for (const key of Object.keys(en)) {
      const render = (v: unknown) => (typeof v === 'function' ? String(v(sample)) : String(v));
      const english = render(en[key]);
      const russian = render(ru[key]);
      assert.ok(russian.trim(), key);
      if (/[A-Za-z]{3,}/.test(english.replaceAll('/permissions', '').replaceAll('/pending', '')))
        assert.match(russian, /[А-Яа-яЁё]/, `${key}: ${russian}`);
    }
  });

  it('Russian plural forms for the /pending count', () => {
    const t = approvalTexts('ru');
    assert.equal(t.waitingCount({ n: 1 }), 'Вашего решения ждёт один запрос:');
    assert.equal(t.waitingCount({ n: 3 }), 'Вашего решения ждут 3 запроса:');
    assert.equal(t.waitingCount({ n: 5 }), 'Вашего решения ждут 5 запросов:');
    assert.equal(t.waitingCount({ n: 21 }), 'Вашего решения ждёт 21 запрос:');
    assert.equal(approvalTexts('en').waitingCount({ n: 3 }), '3 requests are waiting for you:');
  });

  it('times read in the user language; English stays "3 Mar 14:05"', () => {
    const now = Date.parse('2026-03-05T10:00:00Z');
    const at = Date.parse('2026-03-03T14:05:00Z');
    assert.equal(formatTime(at, 'UTC', now), '3 Mar 14:05');
    assert.match(formatTime(at, 'UTC', now, 'ru'), /^3 мар\.? 14:05$/);
    assert.equal(formatTime(now, 'UTC', now, 'ru'), '10:00');
  });
});
