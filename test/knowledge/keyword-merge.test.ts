/**
 * The keyword index is merged after ingestions (keyword-merge.ts), through the knowledge base's factory on a real
 * libSQL file: every ingestion's transaction adds an FTS5 segment, and after the background merge the index is one
 * segment again, with the same search results; a run bounded to fewer steps than it needs is finished by the next
 * start-up or ingestion.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { keywordSegments } from './fts-structure.ts';
import { type KbHarness, openKb, textSource } from './setup.ts';

const ALICE = 'u:101';
const BOB = 'u:202';

/** A document of its own words: a number and a name only it holds, and filler other documents share. */
function doc(i: number): string {
  const filler = Array.from({ length: 60 }, (_, k) => `word${(k * 7 + i) % 40} common${k % 9}`).join(' ');
  return `Record ${i}: invoice INV-${1000 + i} for client Zephyrine${i}.\n\n${filler}`;
}

describe('keyword index merge', () => {
  let h: KbHarness;
  afterEach(async () => {
    await h.close();
  });

  it('after several ingestions the FTS5 index is one segment, and every document is still found', async () => {
    h = await openKb();
    await h.kb.start();
    for (let i = 0; i < 7; i++) {
      const out = await h.kb.ingest(textSource(i % 2 ? BOB : ALICE, doc(i), `doc${i}.txt`));
      assert.equal(out.status, 'ready');
    }
    await h.kb.idle();
    assert.equal(await keywordSegments(h.store), 1);
    for (let i = 0; i < 7; i++) {
      const scope = i % 2 ? BOB : ALICE;
      const [hit] = await h.kb.search(scope, `INV-${1000 + i}`, { mode: 'keyword' });
      assert.equal(hit?.title, `doc${i}.txt`, `INV-${1000 + i}`);
      const other = await h.kb.search(i % 2 ? ALICE : BOB, `Zephyrine${i}`, { mode: 'keyword' });
      assert.deepEqual(other, [], 'still scoped to its library');
    }
  });

  it('a run bounded to fewer steps than it needs leaves segments; the next start-up or ingestion finishes it', async () => {
    h = await openKb({ config: { keywordMerge: { pagesPerStep: 1, maxSteps: 1 } } });
    await h.kb.start();
    // A big first document: its segment needs more than one 1-page step to merge.
    const big = Array.from({ length: 200 }, (_, i) => doc(100 + i)).join('\n\n');
    for (const [i, text] of [big, doc(1), doc(2), doc(3), doc(4), doc(5)].entries()) {
      assert.equal((await h.kb.ingest(textSource(ALICE, text, `doc${i}.txt`))).status, 'ready');
      await h.kb.idle();
    }
    const bounded = await keywordSegments(h.store);
    assert.ok(bounded > 1, `one step per run does not finish (${bounded} segments)`);
    // The same database with the default bounds: start-up's run merges everything, and so does an ingestion's.
    const kb = await h.restart({ config: {} });
    await kb.start();
    await kb.idle();
    assert.equal(await keywordSegments(h.store), 1, 'after start-up');
    assert.equal((await kb.ingest(textSource(ALICE, doc(6), 'doc6.txt'))).status, 'ready');
    await kb.idle();
    assert.equal(await keywordSegments(h.store), 1, 'after the next ingestion');
    const [hit] = await kb.search(ALICE, 'INV-1120', { mode: 'keyword' });
    assert.equal(hit?.title, 'doc0.txt');
  });
});
