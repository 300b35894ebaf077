import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSharedLoad } from '../support/shared-budget-load.ts';

/**
 * Two instances on one remote-protocol database (the fake sqld) send to the same 40 chats (8 groups) at once, two
 * messages each per chat, through the fake Bot API enforcing Telegram's limits (30/s global, 3 per 3 s in a private
 * chat, 20/min per group). Alone, each instance would stay within the limits; together only a shared budget does.
 */
test('two instances on one remote database share the Telegram budget: 0 429s, nothing lost, order kept', async () => {
  const r = await runSharedLoad({ instances: 2, chats: 40, perChat: 2, groupEvery: 5 });
  assert.equal(r.sent, 160);
  assert.equal(r.sharedChats, 40, 'every chat got messages from both instances');
  assert.equal(
    r.tooManyRequests,
    0,
    `the fake Bot API answered 429 ${r.tooManyRequests} times (chats ${r.limitedChats.join(', ')})`,
  );
  assert.equal(r.delivered, r.sent, 'every send reported delivered');
  assert.equal(r.lost, 0, 'every message reached its chat');
  assert.equal(r.outOfOrder, 0, "each instance's messages arrived in the order it sent them");
});
