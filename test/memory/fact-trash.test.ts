import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, factsReply, type Harness } from './setup.ts';

const USER = 4242;
const chat = { chatId: USER, type: 'private' as const };

describe('forgetting with Undo (memory service, real libSQL, manual clock)', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(async () => h.close());

  it('a forgotten fact is hidden from answers at once, is not re-learned, and Undo brings it back', async () => {
    const added = await h.memory.remember(USER, chat, 'User plays the cello every Sunday', 'habit');
    assert.equal(added.status, 'added');
    const id = added.status === 'added' ? added.fact.id : '';
    assert.equal((await h.memory.trashFacts(USER, chat, [id])).length, 1);
    assert.deepEqual(await h.memory.trashFacts(USER, chat, [id]), [], 'a second forget does nothing');
    const { systemContext } = await h.turn(USER, 'what do I play every Sunday, the cello?', 'No idea.');
    assert.doesNotMatch(systemContext, /cello/, 'not used for answers while forgotten');

    h.gemini.setHandler((req) =>
      req.kind === 'embed' ? undefined : factsReply([{ fact: 'User plays the cello every Sunday', category: 'habit' }]),
    );
    await h.turn(USER, 'I play the cello every Sunday with friends', 'Nice.');
    await h.turn(USER, 'The cello is my favourite instrument really', 'Cool.');
    await h.memory.idle();
    assert.ok(
      h.gemini.requests.some((r) => r.systemText.includes('extract durable facts')),
      'extraction ran',
    );
    assert.equal(
      (await h.memory.listFacts(USER, chat, 0, 10)).total,
      0,
      'the tombstone keeps it from being learned again',
    );

    assert.deepEqual(await h.memory.restoreFacts(USER, chat, [id]), [{ id, status: 'restored' }]);
    assert.deepEqual(await h.memory.restoreFacts(USER, chat, [id]), [{ id, status: 'active' }]);
    assert.equal((await h.memory.listFacts(USER, chat, 0, 10)).total, 1);
    const tombs = await h.store.query('SELECT COUNT(*) AS n FROM memory_tombstones WHERE user_id = ?', [USER]);
    assert.equal(Number(tombs[0]?.n), 0, 'Undo lifts the tombstone');
  });

  it('Undo of a fact said again meanwhile keeps one copy; after the window it is too late and maintenance deletes it', async () => {
    const added = await h.memory.remember(USER, chat, 'User drinks oat milk', 'preference');
    const id = added.status === 'added' ? added.fact.id : '';
    await h.memory.trashFacts(USER, chat, [id]);
    await h.memory.remember(USER, chat, 'User drinks oat milk', 'preference');
    assert.deepEqual(await h.memory.restoreFacts(USER, chat, [id]), [{ id, status: 'active' }]);
    const copies = await h.store.query(
      "SELECT COUNT(*) AS n FROM memory_facts WHERE text = 'User drinks oat milk' AND deleted_at IS NULL",
    );
    assert.equal(Number(copies[0]?.n), 1);

    const other = await h.memory.remember(USER, chat, 'User is learning Finnish', 'goal');
    const otherId = other.status === 'added' ? other.fact.id : '';
    await h.memory.trashFacts(USER, chat, [otherId]);
    assert.deepEqual(
      await h.memory.restoreFacts(9999, chat, [otherId]),
      [{ id: otherId, status: 'gone' }],
      'not another user’s',
    );
    await h.clock.advance(5 * 60_000 + 1);
    assert.deepEqual(await h.memory.restoreFacts(USER, chat, [otherId]), [{ id: otherId, status: 'too_late' }]);
    await h.memory.maintenance();
    assert.equal(await h.memory.getFact(otherId), undefined, 'deleted for good');
    assert.deepEqual(await h.memory.restoreFacts(USER, chat, [otherId]), [{ id: otherId, status: 'gone' }]);
  });
});
