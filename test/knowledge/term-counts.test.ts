/**
 * The keyword half's cached term counts (src/knowledge/term-counts.ts) on a real libSQL file: repeated terms are not
 * counted again, and a library changed by another instance (a second knowledge base on the same database) is planned
 * for at once, never from counts that would hide its new passages.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ftsTerms } from '../../src/knowledge/fts-query.ts';
import { createKnowledgeStore } from '../../src/knowledge/knowledge-store.ts';
import { createTermCounts, type TermCountSource } from '../../src/knowledge/term-counts.ts';
import { type KbHarness, openKb, textSource } from './setup.ts';

const ALICE = 'u:101';

describe('cached term counts', () => {
  let h: KbHarness;
  beforeEach(async () => {
    h = await openKb({ name: 'term-counts' });
    await h.kb.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('counts each term once per library state, and again after the library changes', async () => {
    await h.kb.ingest(textSource(ALICE, 'The pump valve was replaced. The pump runs quietly now.'));
    const store = createKnowledgeStore(h.store);
    const counted: string[][] = [];
    const source: TermCountSource = {
      async countsUpTo(scope, exprs, limit) {
        counted.push([...exprs]);
        return store.countsUpTo(scope, exprs, limit);
      },
    };
    const counts = createTermCounts(source);
    const terms = ftsTerms('pump valve gasket');
    let stamp = await store.libraryStamp(ALICE);
    assert.deepEqual(await counts.counts(ALICE, stamp, terms, 10), [1, 1, 0]);
    assert.deepEqual(await counts.counts(ALICE, stamp, ftsTerms('valve gasket turbine'), 10), [1, 0, 0]);
    assert.deepEqual(counted, [terms, ['"turbine"']], 'only the term not seen before is counted');

    await h.kb.ingest(textSource(ALICE, 'A new gasket for the turbine.', 'turbine.txt'));
    const before = stamp.key;
    stamp = await store.libraryStamp(ALICE);
    assert.notEqual(stamp.key, before, 'a new ready document changes the stamp');
    assert.deepEqual(await counts.counts(ALICE, stamp, ftsTerms('gasket turbine'), 10), [1, 1]);
    assert.deepEqual(counted.at(-1), ['"gasket"', '"turbine"'], 'a changed library is counted afresh');
  });

  it('keeps at most maxTerms terms of a library', async () => {
    await h.kb.ingest(textSource(ALICE, 'alpha beta gamma delta'));
    const store = createKnowledgeStore(h.store);
    let calls = 0;
    const counts = createTermCounts(
      {
        async countsUpTo(scope, exprs, limit) {
          calls++;
          return store.countsUpTo(scope, exprs, limit);
        },
      },
      { maxTerms: 2 },
    );
    const stamp = await store.libraryStamp(ALICE);
    await counts.counts(ALICE, stamp, ftsTerms('alpha beta gamma'), 10);
    await counts.counts(ALICE, stamp, ftsTerms('gamma'), 10);
    assert.equal(calls, 1, 'the newest terms are kept');
    assert.deepEqual(await counts.counts(ALICE, stamp, ftsTerms('alpha'), 10), [1]);
    assert.equal(calls, 2, 'the oldest term was let go and is counted again');
  });

  it("another instance's new document is found by keyword at once; its deletion is seen at once", async () => {
    const a = h.kb;
    await a.ingest(textSource(ALICE, 'Meeting notes about the garden and the fence.', 'garden.txt'));
    const ask = async () => (await a.search(ALICE, 'quartzite fence', { mode: 'keyword' })).map((x) => x.title);
    assert.deepEqual(await ask(), ['garden.txt']);

    const b = await h.restart(); // a second process on the same database file
    const added = await b.ingest(textSource(ALICE, 'The quartzite slabs arrive on Monday.', 'slabs.txt'));
    assert.equal(added.status, 'ready');
    assert.ok((await ask()).includes('slabs.txt'), 'the term counted as absent before is looked up again');

    const id = added.status === 'ready' ? added.document.id : '';
    assert.equal(await b.delete(ALICE, id), true);
    assert.deepEqual(await ask(), ['garden.txt']);
    await a.close(100);
  });
});
