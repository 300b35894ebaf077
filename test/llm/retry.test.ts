import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RetryPolicy, parseRetryAfter, retryDelay, retryInfoDelay } from '../../src/llm/retry.ts';

const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 8000 };

describe('parseRetryAfter', () => {
  it('reads delta-seconds, whole or fractional', () => {
    assert.equal(parseRetryAfter('7', NOW), 7000);
    assert.equal(parseRetryAfter(' 1.5 ', NOW), 1500);
    assert.equal(parseRetryAfter('0', NOW), 0);
  });

  it('reads an HTTP date as the time left from now, never negative', () => {
    assert.equal(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW), 30_000);
    assert.equal(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW), 0);
  });

  it('ignores a missing or unreadable header', () => {
    assert.equal(parseRetryAfter(null, NOW), undefined);
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
    assert.equal(parseRetryAfter('', NOW), undefined);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
  });
});

describe('retryInfoDelay', () => {
  const body = (details: unknown) => ({ error: { code: 429, details } });

  it('reads google.rpc.RetryInfo retryDelay in seconds', () => {
    const details = [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' },
    ];
    assert.equal(retryInfoDelay(body(details)), 7000);
    assert.equal(retryInfoDelay(body([{ '@type': 'x.RetryInfo', retryDelay: '0.25s' }])), 250);
  });

  it('ignores bodies without a usable RetryInfo', () => {
    assert.equal(retryInfoDelay(undefined), undefined);
    assert.equal(retryInfoDelay('not json'), undefined);
    assert.equal(retryInfoDelay({ error: {} }), undefined);
    assert.equal(retryInfoDelay(body('nope')), undefined);
    assert.equal(retryInfoDelay(body([{ '@type': 'x.QuotaFailure', retryDelay: '7s' }])), undefined);
    assert.equal(retryInfoDelay(body([{ '@type': 'x.RetryInfo', retryDelay: '7 seconds' }])), undefined);
    assert.equal(retryInfoDelay(body([{ '@type': 'x.RetryInfo', retryDelay: 7 }])), undefined);
  });
});

describe('retryDelay', () => {
  it('grows exponentially from baseDelayMs with equal jitter (half fixed, half random)', () => {
    // attempt 1: 500 ms window, 2: 1000, 3: 2000, 4: 4000.
    for (const [attempt, exp] of [
      [1, 500],
      [2, 1000],
      [3, 2000],
      [4, 4000],
    ] as const) {
      assert.equal(
        retryDelay(attempt, POLICY, undefined, () => 0),
        exp / 2,
        `attempt ${attempt}, no jitter`,
      );
      assert.equal(
        retryDelay(attempt, POLICY, undefined, () => 0.999_999),
        exp - 1,
        `attempt ${attempt}, most jitter`,
      );
    }
  });

  it('caps the window at maxDelayMs', () => {
    assert.equal(
      retryDelay(10, POLICY, undefined, () => 0),
      4000,
    );
    assert.equal(
      retryDelay(10, POLICY, undefined, () => 0.999_999),
      7999,
    );
  });

  it("honours the provider's requested delay, plus under 250 ms of jitter", () => {
    assert.equal(
      retryDelay(1, POLICY, 7000, () => 0),
      7000,
    );
    const most = retryDelay(1, POLICY, 7000, () => 0.999_999) ?? 0;
    assert.ok(most >= 7000 && most < 7250, `${most}`);
    // The jitter never exceeds the base delay (a fast test policy stays fast).
    assert.equal(
      retryDelay(1, { ...POLICY, baseDelayMs: 20 }, 100, () => 0.999_999),
      119,
    );
  });

  it('gives up when the provider asks for longer than maxRetryAfterMs (default 60 s)', () => {
    assert.equal(
      retryDelay(1, POLICY, 60_000, () => 0),
      60_000,
    );
    assert.equal(
      retryDelay(1, POLICY, 60_001, () => 0),
      undefined,
    );
    assert.equal(
      retryDelay(1, { ...POLICY, maxRetryAfterMs: 5000 }, 5001, () => 0),
      undefined,
    );
    assert.equal(
      retryDelay(1, { ...POLICY, maxRetryAfterMs: 5000 }, 5000, () => 0),
      5000,
    );
  });
});
