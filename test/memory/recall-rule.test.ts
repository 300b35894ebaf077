import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { recallCanHelp } from '../../src/memory/recall-rule.ts';
import { createHarness, done, type Harness } from './setup.ts';

describe('recallCanHelp (which turns get a query embedding)', () => {
  test('acknowledgements, thanks and greetings of any length are skipped, in English and Russian', () => {
    for (const text of [
      'ok',
      'thanks!',
      'thank you so much!',
      'thank you very much!!',
      'great, thanks',
      'got it, thanks',
      'okay sounds good',
      'yes please',
      'спасибо большое',
      'хорошо, договорились',
      'Спасибо, понятно!',
    ]) {
      assert.equal(recallCanHelp(text), false, text);
    }
  });

  test('text without a letter or digit is skipped (emoji, punctuation)', () => {
    for (const text of ['👍', '🙏🙏🙏🙏🙏🙏', '?!?!?!?!?!?!', '... ... ... ...', '😂😂😂 !!! 😂😂😂']) {
      assert.equal(recallCanHelp(text), false, text);
    }
  });

  test('a message naming a topic is embedded, also when it starts with thanks', () => {
    for (const text of [
      'what did we decide on the dentist',
      'thanks, and the recipe?',
      'and the invoice?',
      'ok, when is my flight?',
      'спасибо, а что с отпуском?',
      'remind me about 42',
    ]) {
      assert.equal(recallCanHelp(text), true, text);
    }
  });
});

describe('a turn recall cannot help, through the memory module', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ extractEvery: 100 });
  });
  after(() => h.close());

  test('costs no embedding call and is never embedded later; a topical turn still is', async () => {
    await h.turn(1001, 'I booked the dentist for Tuesday morning', 'Noted.');
    const embedsBefore = h.gemini.embedCalls().length;
    const thanks = h.request(1001, 'thank you so much!');
    const ctx = await h.memory.prepare(thanks);
    assert.equal(h.gemini.embedCalls().length, embedsBefore, 'no query embedding for "thank you so much!"');
    await h.memory.commit(thanks, ctx, done('You are welcome.'));
    await h.memory.idle();
    const row = await h.store.get("SELECT embed_state FROM memory_messages WHERE turn_id = ? AND role = 'user'", [
      thanks.turnId,
    ]);
    assert.equal(Number(row?.embed_state), 2, 'stored as never to embed, so the backlog leaves it alone');
    assert.equal(h.gemini.embedCalls().length, embedsBefore, 'no background embedding either');

    await h.turn(1001, 'when was the dentist again?', 'Tuesday morning.');
    assert.ok(h.gemini.embedCalls().length > embedsBefore, 'a topical turn is embedded');
  });
});
