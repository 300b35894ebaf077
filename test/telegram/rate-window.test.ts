import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Use, burstRule, freeAt, ruleOf } from '../../src/telegram/rate-window.ts';

describe('rate window rules (pure)', () => {
  it('turns rates into rules, fractional rates into one per longer window', () => {
    assert.deepEqual(ruleOf(20, 60_000, 5), { limit: 20, window: 60_005 });
    assert.deepEqual(ruleOf(0.5, 1000, 5), { limit: 1, window: 2005 });
    assert.deepEqual(burstRule(1, 1, 5), { limit: 1, window: 1005 });
    assert.deepEqual(burstRule(1, 3, 5), { limit: 3, window: 3005 });
  });

  it('a slot frees `window` after the completion of the use that blocks it, and expired uses are dropped', () => {
    const rule = { limit: 2, window: 1000 };
    const uses: Use[] = [
      { grantedAt: 0, done: 100 },
      { grantedAt: 200, done: 300 },
    ];
    assert.equal(freeAt(uses, rule, 500, 120_000), 1100);
    assert.equal(freeAt(uses, rule, 1100, 120_000), 1100);
    assert.equal(uses.length, 1, 'the expired use was dropped');
  });

  it('an unreleased use blocks until it counts as leaked (maxInFlight after its grant)', () => {
    const uses: Use[] = [{ grantedAt: 0, done: undefined }];
    assert.equal(freeAt(uses, { limit: 1, window: 1000 }, 10, 5000), 6000);
  });
});
