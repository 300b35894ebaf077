/** The pure fact rules, without a database: decay, supersede, duplicates, tombstones, ranking, paging. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FactRecord } from '../../src/memory/fact.ts';
import {
  confirmed,
  decayedConfidence,
  duplicateOf,
  matchesTombstone,
  matchRecords,
  pageOf,
  pruneCutoff,
  rankRecords,
  supersededFacts,
  withUpsert,
} from '../../src/memory/fact-rules.ts';
import { decodeVector, encodeVector } from '../../src/vectors/vectors.ts';

const DAY = 86_400_000;

/** A unit-ish vector pointing mostly along axis `axis` (8 dims), with a little of axis `mix`. */
function vec(axis: number, mix = -1, amount = 0): Float32Array {
  const v = new Float32Array(8);
  v[axis] = 1;
  if (mix >= 0) v[mix] = amount;
  return v;
}

function record(id: string, text: string, extra: Partial<FactRecord> & { vec?: Float32Array } = {}): FactRecord {
  const codes = extra.vec ? decodeVector(encodeVector(extra.vec))?.codes : undefined;
  let norm = 0;
  for (const c of codes ?? []) norm += c * c;
  return {
    id,
    scope: 's',
    userId: 1,
    chatId: 1,
    text,
    category: 'other',
    confidence: 0.9,
    source: 'extracted',
    createdAt: 0,
    confirmedAt: 0,
    deletedAt: undefined,
    codes,
    norm: Math.sqrt(norm),
    ...extra,
  };
}

describe('fact decay', () => {
  it('halves an extracted fact every half-life and an explicit one half as fast', () => {
    const now = 180 * DAY;
    assert.equal(decayedConfidence({ confidence: 0.8, confirmedAt: 0, source: 'extracted' }, now, 180), 0.4);
    const explicit = decayedConfidence({ confidence: 0.8, confirmedAt: 0, source: 'explicit' }, now, 180);
    assert.ok(Math.abs(explicit - 0.8 * Math.SQRT1_2) < 1e-12);
    assert.equal(decayedConfidence({ confidence: 0.8, confirmedAt: now + DAY, source: 'extracted' }, now, 180), 0.8);
  });

  it('prunes only facts older than the half-lives it takes to fall below the floor', () => {
    assert.equal(pruneCutoff(1000 * DAY, 100, 0.25), 800 * DAY);
  });
});

describe('supersede and duplicates', () => {
  const berlin = record('a', 'User lives in Berlin', { vec: vec(0) });
  const tea = record('b', 'User likes tea', { vec: vec(1) });

  it('supersedes by meaning or by the same text, never an unrelated fact', () => {
    assert.deepEqual(
      supersededFacts([berlin, tea], 'User lives in berlin', undefined).map((f) => f.id),
      ['a'],
    );
    assert.deepEqual(
      supersededFacts([berlin, tea], 'where the user lives', vec(0, 2, 0.1)).map((f) => f.id),
      ['a'],
    );
    assert.deepEqual(supersededFacts([berlin, tea], 'User has a cat', vec(3)), []);
  });

  it('finds the closest duplicate above the threshold, skipping superseded facts', () => {
    assert.equal(duplicateOf([berlin, tea], new Set(), 'User lives in Berlin now', vec(0, 1, 0.2))?.id, 'a');
    assert.equal(duplicateOf([berlin, tea], new Set(['a']), 'User lives in Berlin now', vec(0, 1, 0.2)), undefined);
    assert.equal(duplicateOf([berlin, tea], new Set(), 'User likes coffee', vec(1, 0, 0.9)), undefined);
  });

  it('without an embedding, a duplicate is the same normalized text', () => {
    const bare = record('c', 'User likes tea.');
    assert.equal(duplicateOf([bare], new Set(), 'user likes tea', vec(1))?.id, 'c');
    assert.equal(duplicateOf([bare], new Set(), 'user likes green tea', undefined), undefined);
  });

  it('a confirmation lifts confidence by 0.1 up to 1 and an explicit one makes the fact explicit', () => {
    assert.deepEqual(confirmed(0.5, 'extracted', 'extracted'), { confidence: 1, source: 'extracted' });
    assert.deepEqual(confirmed(0.2, 'explicit', 'extracted'), { confidence: 1, source: 'explicit' });
    const c = confirmed(0.3, 'extracted', 'extracted');
    assert.ok(Math.abs(c.confidence - 1) < 1e-12);
  });
});

describe('tombstones', () => {
  const tombs = [{ text: 'User smokes cigars', vec: vec(4) }];

  it('match the same text, a containing text, or the same meaning', () => {
    assert.equal(matchesTombstone(tombs, 'user smokes cigars', undefined), true);
    assert.equal(matchesTombstone(tombs, 'User smokes cigars on Fridays', undefined), true);
    assert.equal(matchesTombstone(tombs, 'Likes a good cigar', vec(4, 5, 0.1)), true);
    assert.equal(matchesTombstone(tombs, 'User plays chess', vec(6)), false);
  });
});

describe('ranking, matching and paging', () => {
  const list = [
    record('a', 'User lives in Berlin', { vec: vec(0), createdAt: 1, confirmedAt: 5 }),
    record('b', 'User likes tea', { vec: vec(1), createdAt: 2, confirmedAt: 9 }),
    record('c', 'User likes green tea', { vec: vec(1, 2, 0.5), createdAt: 3, confirmedAt: 9 }),
  ];

  it('ranks by cosine, best first, within the limit and the kept ones', () => {
    assert.deepEqual(
      rankRecords(list, vec(1), { limit: 5, minScore: 0.5 }).map((h) => h.f.id),
      ['b', 'c'],
    );
    assert.deepEqual(
      rankRecords(list, vec(1), { limit: 1, minScore: 0.5 }).map((h) => h.f.id),
      ['b'],
    );
    assert.deepEqual(
      rankRecords(list, vec(1), { limit: 5, minScore: 0.5, keep: (f) => f.id !== 'b' }).map((h) => h.f.id),
      ['c'],
    );
  });

  it('matches a phrase by text (score 1) or by meaning', () => {
    assert.deepEqual(
      matchRecords(list, 'tea', undefined, 0.7).map((f) => f.id),
      ['b', 'c'],
    );
    assert.deepEqual(
      matchRecords(list, 'where I live', vec(0), 0.7).map((f) => f.id),
      ['a'],
    );
  });

  it('pages newest confirmation first, ties by id', () => {
    assert.deepEqual(
      pageOf(list, 0, 2).map((f) => f.id),
      ['b', 'c'],
    );
    assert.deepEqual(
      pageOf(list, 2, 2).map((f) => f.id),
      ['a'],
    );
  });

  it('an upsert replaces its old version and removed facts, keeping created order', () => {
    const updated = record('a', 'User lives in Hamburg', { createdAt: 1 });
    assert.deepEqual(
      withUpsert(list, ['c'], updated).map((f) => f.text),
      ['User lives in Hamburg', 'User likes tea'],
    );
    const fresh = record('d', 'User has a cat', { createdAt: 2 });
    assert.deepEqual(
      withUpsert(list, [], fresh).map((f) => f.id),
      ['a', 'b', 'd', 'c'],
    );
  });
});
