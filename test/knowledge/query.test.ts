/** The keyword half's query sanitiser, rank fusion and citation ids (pure). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { citationIdOf, parseCitationId } from '../../src/knowledge/citation.ts';
import {
  ftsMatchExpression,
  ftsTerms,
  indexText,
  inLibrary,
  libraryToken,
  planMatch,
} from '../../src/knowledge/fts-query.ts';
import { reciprocalRankFusion } from '../../src/knowledge/fusion.ts';

describe('FTS5 query sanitiser', () => {
  it('quotes every term, makes identifiers phrases, drops common words, ORs the rest', () => {
    assert.equal(ftsMatchExpression('What is invoice INV-2024-0042?'), '"invoice" OR "inv 2024 0042"');
    assert.equal(ftsMatchExpression('Müller user@example.com'), '"müller" OR "user example com"');
    assert.equal(ftsMatchExpression('что в договоре про штраф'), '"договоре" OR "штраф"');
  });

  it('FTS5 syntax from the user is only text: operators, columns, quotes, stars, NEAR', () => {
    for (const q of ['a" OR "b', 'text: NEAR(a b)', '"unbalanced', 'foo* AND -bar', '(x OR y) NOT z', '^start']) {
      const m = ftsMatchExpression(q);
      assert.ok(m, q);
      for (const term of m.split(' OR ')) assert.match(term, /^"[\p{L}\p{N}\p{M} ]+"$/u, `${q} → ${m}`);
    }
  });

  it('only stop words: they are searched anyway; nothing searchable: undefined', () => {
    assert.equal(ftsMatchExpression('what is it'), '"what" OR "is" OR "it"');
    assert.equal(ftsMatchExpression('?!  — ...'), undefined);
    assert.equal(ftsMatchExpression(''), undefined);
  });
});

describe('keyword plan', () => {
  it('rare terms are ORed and common ones left out; when all are common, all are required; absent terms never', () => {
    const terms = ftsTerms('pump valve INV-2024-0042 zebra');
    assert.deepEqual(terms, ['"pump"', '"valve"', '"inv 2024 0042"', '"zebra"']);
    assert.equal(planMatch(terms, [5000, 2001, 1, 0], 2000), '"inv 2024 0042"');
    assert.equal(planMatch(terms, [5000, 2001, 2001, 0], 2000), '"pump" AND "valve" AND "inv 2024 0042"');
    assert.equal(planMatch(terms, [0, 0, 0, 0], 2000), undefined);
    assert.equal(planMatch(terms, [3, 9, 1, 0], 2000), '"pump" OR "valve" OR "inv 2024 0042"');
  });

  it('every query is limited to one library by a token no other scope shares', () => {
    assert.notEqual(libraryToken('u:12'), libraryToken('u:1'));
    assert.notEqual(libraryToken('g:-12'), libraryToken('g:12'));
    assert.match(libraryToken('g:-100500'), /^l[0-9a-f]+z$/);
    const p = libraryToken('u:1');
    assert.equal(inLibrary('u:1', '"a" OR "inv 2024"'), `"${p}a" OR "${p}inv ${p}2024"`);
    assert.equal(indexText('u:1', 'Pump INV-2024, café'), `${p}pump ${p}inv ${p}2024 ${p}café`);
  });
});

describe('reciprocal rank fusion', () => {
  it('an id ranked by both lists beats ids ranked first by one; ties keep first-seen order', () => {
    const fused = reciprocalRankFusion([
      [1, 2, 3],
      [4, 2, 5],
    ]);
    assert.equal(fused[0]?.id, 2);
    assert.deepEqual(
      fused.slice(1).map((f) => f.id),
      [1, 4, 3, 5],
    );
    assert.ok(Math.abs((fused[0]?.score ?? 0) - 2 / 62) < 1e-12);
    assert.deepEqual(reciprocalRankFusion([[], []]), []);
  });
});

describe('citation ids', () => {
  it('round-trip, and anything else is not one', () => {
    assert.equal(citationIdOf('12', 7), 'd12c7');
    assert.deepEqual(parseCitationId('d12c7'), { documentId: 12, seq: 7 });
    for (const bad of ['d12', 'x12c7', 'd-1c2', 'd1c2; DROP', '']) assert.equal(parseCitationId(bad), undefined, bad);
  });
});
