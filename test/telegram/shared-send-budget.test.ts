import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSharedLoad } from '../support/shared-budget-load.ts';

/**
 * Two instances on one remote-protocol database (the fake sqld, in a process of its own) send to the same chats at
 * once through the fake Bot API enforcing Telegram's limits (30/s global, 3 per 3 s in a private chat, 20/min per
 * group). Nothing here depends on timing: the budget is exact (a send counts until Telegram answered), and the only
 * deadline is a generous one against a hang.
 *
 * The global budget: one message from each instance to each of 120 chats (24 groups). Alone, each instance stays
 * within 30/s; together they send up to 60/s unless they share it.
 */
test('two instances on one remote database share the global Telegram budget: 0 429s, nothing lost', async () => {
  const r = await runSharedLoad({
    instances: 2,
    chats: 120,
    perChat: 1,
    groupEvery: 5,
    // No delivery records: all 240 sends reach the limiters at once, so the test stresses the budget on any machine.
    dedupe: false,
    deadlineMs: 240_000,
  });
  assert.equal(r.sent, 240);
  assert.equal(r.sharedChats, 120, 'every chat got messages from both instances');
  assert.equal(
    r.tooManyRequests,
    0,
    `the fake Bot API answered 429 ${r.tooManyRequests} times (chats ${r.limitedChats.join(', ')})`,
  );
  assert.equal(r.delivered, r.sent, 'every send reported delivered');
  assert.equal(r.lost, 0, 'every message reached its chat');
  assert.equal(r.outOfOrder, 0, "each instance's messages arrived in the order it sent them");
});

/**
 * The chats' limits alone: each instance sends 3 messages to each of 6 private chats at once. Either instance alone
 * may (Telegram allows a burst of 3 per 3 s); both together put 6 into each chat unless they share each chat's budget.
 */
test("two instances on one remote database share each chat's budget: 0 429s, nothing lost, order kept", async () => {
  const r = await runSharedLoad({ instances: 2, chats: 6, perChat: 3, deadlineMs: 240_000 });
  assert.equal(r.sent, 36);
  assert.equal(r.sharedChats, 6, 'every chat got messages from both instances');
  assert.equal(
    r.tooManyRequests,
    0,
    `the fake Bot API answered 429 ${r.tooManyRequests} times (chats ${r.limitedChats.join(', ')})`,
  );
  assert.equal(r.delivered, r.sent, 'every send reported delivered');
  assert.equal(r.lost, 0, 'every message reached its chat');
  assert.equal(r.outOfOrder, 0, "each instance's messages arrived in the order it sent them");
});
