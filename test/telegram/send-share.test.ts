import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Grant, createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { fairShare, shareWanted } from '../../src/telegram/send-share-rule.ts';
import { createManualClock } from '../support/manual-clock.ts';

describe('fair share of the global send budget', () => {
  it('splits evenly among instances that want more, and gives the rest what they ask', () => {
    assert.equal(fairShare(30, 30, [30]), 15);
    assert.equal(fairShare(30, 30, [30, 30]), 10);
    assert.equal(fairShare(30, 30, [2]), 28);
    assert.equal(fairShare(30, 2, [30]), 2);
    assert.equal(fairShare(30, 30, [3, 30]), 13);
    assert.equal(fairShare(30, 5, []), 5);
    assert.equal(fairShare(30, 40, []), 30);
  });

  it('asks for what is in use and waiting plus headroom, between the floor and the total', () => {
    assert.equal(shareWanted({ inUse: 0, waiting: 0, floor: 2, headroom: 3, total: 30 }), 3);
    assert.equal(shareWanted({ inUse: 0, waiting: 0, floor: 5, headroom: 3, total: 30 }), 5);
    assert.equal(shareWanted({ inUse: 20, waiting: 40, floor: 2, headroom: 3, total: 30 }), 30);
  });
});

describe('rate limiter: the global limit an instance holds', () => {
  it('grants nothing at 0, as many as allowed once raised, and a cancelled grant stops counting at once', async () => {
    const clock = createManualClock(0);
    const l = createRateLimiter({ clock, marginMs: 0, globalPerSec: 30 });
    try {
      l.setGlobalLimit(0);
      const granted: Grant[] = [];
      for (let chat = 1; chat <= 5; chat++) void l.acquire(chat).then((g) => g && granted.push(g));
      await clock.flush();
      assert.equal(granted.length, 0, 'no tokens, no sends');
      assert.equal(l.pending(), 5);

      l.setGlobalLimit(2);
      await clock.flush();
      assert.equal(granted.length, 2);
      assert.equal(l.globalInUse(), 2);

      granted[0]?.cancel();
      await clock.flush();
      assert.equal(granted.length, 3, 'the cancelled slot went to the next chat');
      granted[1]?.release();
      await clock.flush();
      assert.equal(granted.length, 3, 'a released send still counts for its second');
      assert.equal(l.globalInUse(), 2);
      await clock.advance(1000);
      assert.equal(granted.length, 4);
    } finally {
      l.close();
    }
  });
});
