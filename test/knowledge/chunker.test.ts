/** Chunking on structure (pure): headings and pages start passages, the token target holds, overlap at cuts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkBlocks, estimateTokens, splitLong, tailOf } from '../../src/knowledge/chunker.ts';
import type { TextBlock } from '../../src/knowledge/extracted.ts';

const sentence = (i: number) => `Sentence number ${i} talks about topic ${i % 7} in some detail.`;

describe('chunker', () => {
  it('a heading starts a new passage and every passage under it carries the heading path', () => {
    const blocks: TextBlock[] = [
      { text: 'Intro paragraph before any heading.' },
      { text: 'Contract', heading: 1 },
      { text: 'Parties', heading: 2 },
      { text: 'Alpha Ltd and Beta GmbH.' },
      { text: 'Payment', heading: 2 },
      { text: 'Net 30 days.' },
      { text: 'Annex', heading: 1 },
      { text: 'Price list.' },
    ];
    const chunks = chunkBlocks(blocks, { targetTokens: 300, overlapTokens: 40 });
    assert.deepEqual(
      chunks.map((c) => [c.seq, c.heading, c.text]),
      [
        [0, undefined, 'Intro paragraph before any heading.'],
        [1, 'Contract › Parties', 'Alpha Ltd and Beta GmbH.'],
        [2, 'Contract › Payment', 'Net 30 days.'],
        [3, 'Annex', 'Price list.'],
      ],
    );
  });

  it('a new page starts a new passage, so each passage cites the page it is on', () => {
    const blocks: TextBlock[] = [
      { text: 'Page one text.', page: 1 },
      { text: 'More on page one.', page: 1 },
      { text: 'Page two text.', page: 2 },
      { text: 'Page four text.', page: 4 },
    ];
    const chunks = chunkBlocks(blocks, { targetTokens: 300, overlapTokens: 40 });
    assert.deepEqual(
      chunks.map((c) => [c.page, c.text]),
      [
        [1, 'Page one text.\n\nMore on page one.'],
        [2, 'Page two text.'],
        [4, 'Page four text.'],
      ],
    );
  });

  it('paragraphs fill a passage up to the target; the next one starts with the overlap', () => {
    const blocks: TextBlock[] = Array.from({ length: 40 }, (_, i) => ({ text: sentence(i) }));
    const chunks = chunkBlocks(blocks, { targetTokens: 100, overlapTokens: 20 });
    assert.ok(chunks.length > 3, `${chunks.length} passages`);
    for (const c of chunks) assert.ok(c.tokens <= 100 + 20, `passage ${c.seq} has ${c.tokens} tokens`);
    for (let i = 1; i < chunks.length; i++) {
      const prevLast = (chunks[i - 1] as { text: string }).text.split('\n\n').pop() as string;
      assert.ok((chunks[i] as { text: string }).text.startsWith(prevLast), `passage ${i} repeats the seam`);
    }
    // Nothing is lost: every sentence is in some passage.
    for (let i = 0; i < 40; i++)
      assert.ok(
        chunks.some((c) => c.text.includes(sentence(i))),
        `sentence ${i}`,
      );
  });

  it('a paragraph longer than the target is cut at sentence ends, code at line ends, a huge word by characters', () => {
    const long = Array.from({ length: 30 }, (_, i) => sentence(i)).join(' ');
    const pieces = splitLong(long, 50);
    assert.ok(pieces.length > 1);
    for (const p of pieces) {
      assert.ok(estimateTokens(p) <= 50, p);
      assert.match(p, /\.$/, 'ends at a sentence end');
    }
    assert.equal(pieces.join(' '), long);
    const code = Array.from({ length: 60 }, (_, i) => `  line_${i} = compute(${i})`).join('\n');
    const codePieces = splitLong(code, 40, true);
    assert.ok(codePieces.every((p) => p.split('\n').every((l) => /^ {2}line_\d+ = compute\(\d+\)$/.test(l))));
    const blob = 'x'.repeat(1000);
    assert.deepEqual(
      splitLong(blob, 50).map((p) => p.length),
      [200, 200, 200, 200, 200],
    );
  });

  it('the overlap starts at a sentence start when one is near', () => {
    const text = 'First sentence is here. Second sentence follows it. Third one ends the text.';
    assert.equal(tailOf(text, 10), 'Third one ends the text.');
    assert.equal(tailOf(text, 0), '');
    assert.equal(tailOf('short', 10), 'short');
  });

  it('a document of headings only still becomes one passage; no blocks, no passages', () => {
    assert.deepEqual(
      chunkBlocks(
        [
          { text: 'Title', heading: 1 },
          { text: 'Sub', heading: 2 },
        ],
        { targetTokens: 300, overlapTokens: 40 },
      ).map((c) => c.text),
      ['Title\nSub'],
    );
    assert.deepEqual(chunkBlocks([], { targetTokens: 300, overlapTokens: 40 }), []);
  });
});
