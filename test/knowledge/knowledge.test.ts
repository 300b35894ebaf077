/**
 * The knowledge base through its factory (createKnowledgeBase) on a real libSQL file, with the word-embedding
 * stand-in for Gemini's embeddings: ingestion with page numbers, dedupe, every limit (nothing stored), background
 * embedding with retries, hybrid search that finds exact identifiers the vectors miss, scoping, and delete.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { inLibrary } from '../../src/knowledge/fts-query.ts';
import type { IngestSource } from '../../src/knowledge/types.ts';
import { writeDocx } from '../support/docx-writer.ts';
import { writePdf, writeTextPdf } from '../support/pdf-writer.ts';
import { type KbHarness, knowledgeRows, openKb, textSource } from './setup.ts';

const ALICE = 'u:101';
const BOB = 'u:202';

/** A three-page contract: an invoice number on page 2, a paraphrasable clause on page 3. */
function contractPdf(): IngestSource {
  const bytes = writePdf(
    [
      { title: 'Supply agreement', lines: ['This agreement is made between Ostrander Ltd and Quillfeather GmbH.'] },
      { lines: ['Invoice INV-2024-0042 covers the spring delivery of garden tools.'] },
      { lines: ['A vehicle repair is paid by the supplier.', 'Termination requires three months of notice.'] },
    ],
    { title: 'Supply contract' },
  );
  return { scope: ALICE, addedBy: 101, fileName: 'contract.pdf', mimeType: 'application/pdf', bytes };
}

describe('knowledge base', () => {
  let h: KbHarness;
  beforeEach(async () => {
    h = await openKb();
    await h.kb.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('a PDF becomes a ready document; search cites title, page and a passage id that resolves', async () => {
    const progress: { fraction: number; stage: string }[] = [];
    const out = await h.kb.ingest(contractPdf(), (p) => progress.push(p));
    assert.equal(out.status, 'ready');
    assert.ok(out.status === 'ready');
    assert.equal(out.document.title, 'Supply contract');
    assert.equal(out.document.pages, 3);
    assert.equal(out.document.chunks, 3);
    assert.equal(out.document.fileName, 'contract.pdf');
    assert.deepEqual(progress.at(-1), { fraction: 1, stage: 'indexing' });
    assert.deepEqual(
      progress.filter((p) => p.stage === 'reading').map((p) => p.fraction),
      [0, 1 / 3, 2 / 3, 1],
    );

    await h.kb.idle();
    const [hit] = await h.kb.search(ALICE, 'How much is the car fix?');
    assert.ok(hit, 'the paraphrase finds the clause');
    assert.equal(hit.title, 'Supply contract');
    assert.equal(hit.page, 3);
    assert.match(hit.text, /vehicle repair is paid by the supplier/);
    const passage = await h.kb.passage(ALICE, hit.citationId);
    assert.equal(passage?.text, hit.text);
    assert.equal(passage?.page, 3);
    // Embedding ran in batches as RETRIEVAL_DOCUMENT; the question as RETRIEVAL_QUERY.
    assert.deepEqual(
      h.llm.calls.map((c) => [c.task, c.texts.length]),
      [
        ['RETRIEVAL_DOCUMENT', 3],
        ['RETRIEVAL_QUERY', 1],
      ],
    );
  });

  it('an exact identifier is found by the keyword half where the vectors miss it', async () => {
    await h.kb.ingest(contractPdf());
    // Other invoices, so a vector near "invoice" alone would not single out the right one.
    await h.kb.ingest(
      textSource(
        ALICE,
        'Invoice INV-2023-0917 was for office chairs.\n\nInvoice INV-2025-0001 was for printer paper.',
        'old.txt',
      ),
    );
    await h.kb.idle();
    const vectorOnly = await h.kb.search(ALICE, 'INV-2024-0042', { mode: 'vector' });
    assert.ok(!vectorOnly.some((x) => x.text.includes('INV-2024-0042')), 'the stand-in embedding cannot see it');
    const [hit] = await h.kb.search(ALICE, 'what was invoice INV-2024-0042 for?');
    assert.match(hit?.text ?? '', /INV-2024-0042 covers the spring delivery/);
    assert.equal(hit?.page, 2);
    // A name too, in any case and without its diacritics.
    const [name] = await h.kb.search(ALICE, 'quillfeather');
    assert.match(name?.text ?? '', /Quillfeather GmbH/);
  });

  it('the same file again is a duplicate (nothing new stored); in another library it is a new document', async () => {
    const first = await h.kb.ingest(contractPdf());
    const before = await knowledgeRows(h.store);
    const again = await h.kb.ingest(contractPdf());
    assert.equal(again.status, 'duplicate');
    assert.ok(again.status === 'duplicate' && first.status === 'ready');
    assert.equal(again.document.id, first.document.id);
    assert.deepEqual(await knowledgeRows(h.store), before);
    const group = await h.kb.ingest({ ...contractPdf(), scope: 'g:-100500' });
    assert.equal(group.status, 'ready');
  });

  it('each limit refuses the document with the limit, and nothing of it is stored', async () => {
    await h.close();
    h = await openKb({
      config: { limits: { maxFileBytes: 4000, maxPages: 3, maxChunksPerDocument: 4, maxDocumentsPerUser: 2 } },
    });
    await h.kb.start();
    const empty = { documents: 0, chunks: 0, fts: 0 };
    const big = textSource(ALICE, 'word '.repeat(1000));
    assert.deepEqual(await h.kb.ingest(big), { status: 'rejected', reason: 'too_large', limit: 4000 });
    const pages = writeTextPdf(4, (p) => `page ${p}`, { linesPerPage: 1 });
    assert.deepEqual(
      await h.kb.ingest({
        scope: ALICE,
        addedBy: 101,
        fileName: 'long.pdf',
        mimeType: 'application/pdf',
        bytes: pages,
      }),
      { status: 'rejected', reason: 'too_many_pages', limit: 3 },
    );
    const sections = Array.from({ length: 5 }, (_, i) => `# Part ${i}\n\nText of part ${i}.`).join('\n\n');
    assert.deepEqual(await h.kb.ingest(textSource(ALICE, sections, 'parts.md')), {
      status: 'rejected',
      reason: 'too_many_chunks',
      limit: 4,
    });
    const scan = writePdf([{ image: true }]);
    assert.deepEqual(
      await h.kb.ingest({ scope: ALICE, addedBy: 101, fileName: 'scan.pdf', mimeType: 'application/pdf', bytes: scan }),
      { status: 'rejected', reason: 'no_text' },
    );
    assert.deepEqual(await h.kb.ingest(textSource(ALICE, 'x', 'photo.jpg', 'image/jpeg')), {
      status: 'rejected',
      reason: 'unsupported',
    });
    assert.deepEqual(await knowledgeRows(h.store), empty, 'refused documents leave no row');

    assert.equal((await h.kb.ingest(textSource(ALICE, 'first note'))).status, 'ready');
    // The count is per user: Alice's document in a group counts too.
    assert.equal((await h.kb.ingest(textSource('g:-1', 'second note', 'n.txt', 'text/plain', 101))).status, 'ready');
    const before = await knowledgeRows(h.store);
    assert.deepEqual(await h.kb.ingest(textSource(ALICE, 'third note')), {
      status: 'rejected',
      reason: 'too_many_documents',
      limit: 2,
    });
    assert.deepEqual(await knowledgeRows(h.store), before);
    assert.equal((await h.kb.ingest(textSource(BOB, 'third note'))).status, 'ready', 'Bob has his own count');
  });

  it('Word and Markdown documents keep their headings in the passages', async () => {
    const docx = writeDocx([{ text: 'Tenancy', heading: 1 }, { text: 'Rent is due on the first weekday.' }]);
    const out = await h.kb.ingest({
      scope: ALICE,
      addedBy: 101,
      fileName: 'lease.docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      bytes: docx,
    });
    assert.equal(out.status === 'ready' && out.document.title, 'Tenancy');
    await h.kb.ingest(textSource(ALICE, '# Garden\n\n## Tomatoes\n\nWater them every evening.', 'garden.md'));
    const [hit] = await h.kb.search(ALICE, 'rent weekday');
    assert.equal(hit?.heading, 'Tenancy');
    const [tomato] = await h.kb.search(ALICE, 'tomatoes');
    assert.equal(tomato?.heading, 'Garden › Tomatoes');
    assert.equal(tomato?.title, 'Garden');
  });

  it("another user's library is never searched, listed, opened, cited or deleted", async () => {
    const out = await h.kb.ingest(contractPdf());
    assert.ok(out.status === 'ready');
    await h.kb.idle();
    const [hit] = await h.kb.search(ALICE, 'INV-2024-0042');
    assert.ok(hit);
    assert.deepEqual(await h.kb.search(BOB, 'INV-2024-0042'), []);
    assert.deepEqual(await h.kb.search(BOB, 'vehicle repair supplier'), []);
    assert.deepEqual(await h.kb.search('g:-100500', 'INV-2024-0042'), []);
    assert.deepEqual(await h.kb.list(BOB, { offset: 0, limit: 10 }), { documents: [], total: 0 });
    assert.equal(await h.kb.get(BOB, out.document.id), undefined);
    assert.equal(await h.kb.passage(BOB, hit.citationId), undefined);
    assert.equal(await h.kb.delete(BOB, out.document.id), false);
    assert.equal((await h.kb.search(ALICE, 'INV-2024-0042')).length, 1, 'still there for Alice');
  });

  it('delete removes the document, its passages, keyword rows and vectors at once (the cache too)', async () => {
    const out = await h.kb.ingest(contractPdf());
    const other = await h.kb.ingest(textSource(ALICE, 'A vehicle repair manual for bicycles.', 'bike.txt'));
    assert.ok(out.status === 'ready' && other.status === 'ready');
    await h.kb.idle();
    // The library's vectors are in the cache now.
    assert.ok((await h.kb.search(ALICE, 'car fix', { mode: 'vector' })).some((x) => x.documentId === out.document.id));
    const citation = (await h.kb.search(ALICE, 'INV-2024-0042'))[0]?.citationId as string;
    assert.equal(await h.kb.delete(ALICE, out.document.id), true);
    assert.equal(await h.kb.delete(ALICE, out.document.id), false, 'already gone');
    assert.deepEqual(await h.kb.search(ALICE, 'INV-2024-0042', { mode: 'keyword' }), []);
    const vec = await h.kb.search(ALICE, 'car fix', { mode: 'vector' });
    assert.ok(vec.length > 0 && vec.every((x) => x.documentId === other.document.id), 'only the other document');
    assert.equal(await h.kb.passage(ALICE, citation), undefined);
    assert.deepEqual(await knowledgeRows(h.store), { documents: 1, chunks: 1, fts: 1 });
    const fts = await h.store.get('SELECT COUNT(*) AS n FROM knowledge_fts WHERE knowledge_fts MATCH ?', [
      inLibrary(ALICE, '"quillfeather"'),
    ]);
    assert.equal(Number(fts?.n), 0, 'no keyword row of the deleted document');
  });

  it('passages are keyword-searchable before embedding; a failed embedding is retried later', async () => {
    h.llm.failNext(1);
    const out = await h.kb.ingest(contractPdf());
    assert.equal(out.status, 'ready');
    await h.kb.idle();
    assert.equal((await h.kb.search(ALICE, 'INV-2024-0042', { mode: 'keyword' })).length, 1);
    assert.deepEqual(await h.kb.search(ALICE, 'car fix', { mode: 'vector' }), [], 'no vectors yet');
    await h.clock.advance(60_000);
    await h.kb.idle();
    const [hit] = await h.kb.search(ALICE, 'car fix', { mode: 'vector' });
    assert.equal(hit?.page, 3, 'embedded on the retry');
    const failed = await h.store.get('SELECT MAX(embed_attempts) AS n FROM knowledge_chunks');
    assert.equal(Number(failed?.n), 1);
  });

  it('odd queries never throw: FTS5 syntax, empty text, only punctuation', async () => {
    await h.kb.ingest(contractPdf());
    for (const q of ['"unbalanced', 'a" OR "b', 'NEAR(x y)', '*', '', '   ', '-- ; DROP TABLE', 'text: invoice']) {
      await assert.doesNotReject(h.kb.search(ALICE, q), q);
    }
    const [hit] = await h.kb.search(ALICE, 'text: invoice');
    assert.match(hit?.text ?? '', /Invoice/);
  });

  it('in a big library, common words narrow the keyword half instead of flooding it', async () => {
    await h.close();
    h = await openKb({ config: { search: { commonTermPassages: 2 } } });
    await h.kb.start();
    const sections = [
      'The pump needs oil.',
      'The pump has a valve.',
      'The valve is brass.',
      'The pump and the valve are checked yearly.',
      'Gasket G-7 fits the pump.',
    ];
    await h.kb.ingest(textSource(ALICE, sections.map((t, i) => `# Part ${i}\n\n${t}`).join('\n\n'), 'pump.md'));
    // "pump" and "valve" are each in more than 2 passages: passages must hold both.
    const both = await h.kb.search(ALICE, 'pump valve', { mode: 'keyword' });
    assert.deepEqual(both.map((x) => x.text).sort(), [sections[1], sections[3]].sort());
    // A rare term present: it alone decides.
    const rare = await h.kb.search(ALICE, 'pump G-7', { mode: 'keyword' });
    assert.deepEqual(
      rare.map((x) => x.text),
      [sections[4]],
    );
  });

  it('an ingestion cancelled while reading stores nothing', async () => {
    const abort = new AbortController();
    const attempt = h.kb.ingest(
      contractPdf(),
      (p) => {
        if (p.stage === 'reading' && p.fraction > 0.3) abort.abort(new Error('user pressed Stop'));
      },
      abort.signal,
    );
    await assert.rejects(attempt, /user pressed Stop/);
    assert.deepEqual(await knowledgeRows(h.store), { documents: 0, chunks: 0, fts: 0 });
    assert.equal((await h.kb.ingest(contractPdf())).status, 'ready', 'and the same file can be sent again');
  });

  it('the library lists newest first, paged, with the total', async () => {
    for (let i = 0; i < 5; i++) {
      await h.kb.ingest(textSource(ALICE, `Note number ${i}`, `note-${i}.txt`));
      await h.clock.advance(1000);
    }
    const page = await h.kb.list(ALICE, { offset: 1, limit: 2 });
    assert.equal(page.total, 5);
    assert.deepEqual(
      page.documents.map((d) => d.fileName),
      ['note-3.txt', 'note-2.txt'],
    );
    assert.equal(page.documents[0]?.status, 'ready');
    assert.equal((await h.kb.get(ALICE, page.documents[0]?.id as string))?.title, 'note-3.txt');
    assert.equal(await h.kb.get(ALICE, 'not-an-id'), undefined);
  });
});
