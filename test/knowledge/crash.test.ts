/**
 * Crash safety of ingestion, simulated on a real libSQL file: the process "dies" (its database connection closes
 * under it) between steps, and a fresh knowledge base on the same file starts, as after a restart.
 * - Killed while reading: the document is marked failed at start-up, never half searchable; sending it again works.
 * - Killed after the passages were stored but before they were embedded: embedding resumes at start-up.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { IngestSource } from '../../src/knowledge/types.ts';
import { writeTextPdf } from '../support/pdf-writer.ts';
import { type KbHarness, knowledgeRows, openKb } from './setup.ts';

const ALICE = 'u:101';

function manual(): IngestSource {
  const bytes = writeTextPdf(6, (page, i) =>
    i === 0 ? `Chapter ${page}: the pump manual.` : `Check the valve gasket GX-${page}0${i} before every season.`,
  );
  return { scope: ALICE, addedBy: 101, fileName: 'pump.pdf', mimeType: 'application/pdf', bytes };
}

describe('ingestion survives a crash', () => {
  let h: KbHarness;
  beforeEach(async () => {
    h = await openKb({ name: 'crash' });
    await h.kb.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('killed while reading: marked failed at start-up, nothing of it searchable, the same file can be sent again', async () => {
    const dying = h.kb;
    const oldStore = h.store;
    let killed = false;
    const attempt = dying.ingest(manual(), (p) => {
      // Half way through the pages the process dies: its database connection is gone.
      if (p.stage === 'reading' && p.fraction >= 0.5 && !killed) {
        killed = true;
        void oldStore.close();
      }
    });
    await assert.rejects(attempt);
    assert.ok(killed);

    const kb = await h.restart();
    const left = await kb.list(ALICE, { offset: 0, limit: 10 });
    assert.equal(left.documents[0]?.status, 'ingesting', 'the crash left the row mid-way');
    assert.deepEqual(await knowledgeRows(h.store), { documents: 1, chunks: 0, fts: 0 });
    await kb.start();
    const swept = await kb.list(ALICE, { offset: 0, limit: 10 });
    assert.equal(swept.total, 1);
    assert.equal(swept.documents[0]?.status, 'failed');
    assert.equal(swept.documents[0]?.error, 'interrupted');
    assert.deepEqual(await kb.search(ALICE, 'GX-304'), []);

    const again = await kb.ingest(manual());
    assert.equal(again.status, 'ready', 'a failed copy does not block the same file');
    const after = await kb.list(ALICE, { offset: 0, limit: 10 });
    assert.equal(after.total, 1, 'the failed row was replaced');
    const [hit] = await kb.search(ALICE, 'GX-304');
    assert.equal(hit?.page, 3);
  });

  it('killed before embedding: the passages are searchable by keyword at once, and embedded after the restart', async () => {
    h.llm.failNext(100);
    const out = await h.kb.ingest(manual());
    assert.equal(out.status, 'ready');
    await h.kb.idle();
    assert.equal((await h.kb.search(ALICE, 'GX-205', { mode: 'keyword' }))[0]?.page, 2);
    const unembedded = await h.store.get('SELECT COUNT(*) AS n FROM knowledge_chunks WHERE vec IS NULL');
    assert.ok(out.status === 'ready');
    assert.equal(Number(unembedded?.n), out.document.chunks, 'no passage has a vector');
    // The process dies before its retry.
    await h.kb.close(0);
    await h.store.close();

    h.llm.failNext(0);
    const kb = await h.restart();
    await kb.start();
    await kb.idle();
    const left = await h.store.get('SELECT COUNT(*) AS n FROM knowledge_chunks WHERE vec IS NULL');
    assert.equal(Number(left?.n), 0, 'every passage embedded at start-up');
    const [hit] = await kb.search(ALICE, 'pump valve gasket season', { mode: 'vector' });
    assert.ok(hit, 'found by the vector half');
    assert.equal((await kb.list(ALICE, { offset: 0, limit: 5 })).documents[0]?.status, 'ready');
  });

  it('the start-up sweep does not fail an ingestion of its own process that is still reading', async () => {
    let during: Promise<string | undefined> | undefined;
    const out = await h.kb.ingest(manual(), (p) => {
      // The sweep runs while the file is being read (pages 4-6 still to come); then the row is looked at.
      if (p.stage === 'reading' && p.fraction >= 0.5 && !during)
        during = h.kb
          .start()
          .then(() => h.kb.list(ALICE, { offset: 0, limit: 5 }))
          .then((l) => l.documents[0]?.status);
    });
    assert.equal(await during, 'ingesting', 'still reading, not failed');
    assert.equal(out.status, 'ready');
    assert.equal((await h.kb.list(ALICE, { offset: 0, limit: 5 })).documents[0]?.status, 'ready');
  });
});
