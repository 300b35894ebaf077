/** Ranking facts through their packed int8 index (SIMD dot products) against the plain float loop of rankRecords. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FactRecord } from '../../src/memory/fact.ts';
import { buildFactIndex, rankIndexed } from '../../src/memory/fact-index.ts';
import { rankRecords, vectorNorm } from '../../src/memory/fact-rules.ts';
import { decodeVector, encodeVector } from '../../src/vectors/vectors.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVec(r: () => number, dims: number): Float32Array {
  return Float32Array.from({ length: dims }, () => r() * 2 - 1);
}

function record(i: number, v: Float32Array | undefined): FactRecord {
  const codes = v ? decodeVector(encodeVector(v))?.codes : undefined;
  return {
    id: `f${String(i).padStart(5, '0')}`,
    scope: 's',
    userId: 1,
    chatId: 1,
    text: `fact ${i}`,
    category: 'other',
    confidence: 0.9,
    source: 'extracted',
    createdAt: i,
    confirmedAt: i,
    deletedAt: undefined,
    codes,
    norm: codes ? vectorNorm(codes) : 0,
  };
}

/** Facts near a few topic vectors (so scores spread), with some lacking an embedding or of another width. */
function facts(r: () => number, n: number, dims: number): { list: FactRecord[]; topics: Float32Array[] } {
  const topics = Array.from({ length: 5 }, () => randomVec(r, dims));
  const list = Array.from({ length: n }, (_, i) => {
    if (i % 37 === 5) return record(i, undefined);
    if (i % 53 === 7) return record(i, randomVec(r, dims / 2));
    const t = topics[i % topics.length] as Float32Array;
    return record(
      i,
      Float32Array.from(t, (x) => x + (r() - 0.5) * 1.5),
    );
  });
  return { list, topics };
}

describe('packed fact index', () => {
  for (const [n, dims] of [
    [1000, 768],
    [40, 64],
  ] as const) {
    it(`ranks ${n} facts of ${dims} dims as the float loop does (the first set in WebAssembly)`, () => {
      const r = rng(n);
      const { list, topics } = facts(r, n, dims);
      const index = buildFactIndex(list);
      assert.ok(index);
      assert.equal(index.dims, dims);
      assert.equal(index.rows.wasm, n >= 256, 'large sets use the SIMD kernel');
      for (const [k, topic] of topics.entries()) {
        const q = Float32Array.from(topic, (x) => x + (r() - 0.5) * 0.5);
        const options = {
          limit: 20,
          minScore: 0.3,
          ...(k === 0 ? { keep: (f: FactRecord) => f.createdAt % 2 === 0 } : {}),
        };
        const fast = rankIndexed(list, index, q, options);
        const slow = rankRecords(list, q, options);
        assert.ok(slow.length > 0 && slow.length <= 20, 'the query matches some facts');
        assert.equal(fast.length, slow.length);
        fast.forEach((h, i) => {
          const s = slow[i] as { f: FactRecord; score: number };
          assert.ok(Math.abs(h.score - s.score) < 1e-3, `score ${h.score} vs ${s.score}`);
          // Only near-ties may swap places.
          if (h.f.id !== s.f.id) assert.ok(Math.abs(h.score - s.score) < 2e-3);
        });
        if (k === 0)
          assert.ok(
            fast.every((h) => h.f.createdAt % 2 === 0),
            'keep applies',
          );
      }
    });
  }

  it('no embeddings: no index; a query of another width scores every fact 0', () => {
    assert.equal(buildFactIndex([record(1, undefined), record(2, undefined)]), undefined);
    const list = [record(1, randomVec(rng(1), 16)), record(2, undefined)];
    const index = buildFactIndex(list);
    assert.ok(index);
    const q = randomVec(rng(2), 8);
    assert.deepEqual(rankIndexed(list, index, q, { limit: 5, minScore: 0.1 }), []);
    assert.deepEqual(
      rankIndexed(list, index, q, { limit: 5, minScore: 0 }).map((h) => [h.f.id, h.score]),
      rankRecords(list, q, { limit: 5, minScore: 0 }).map((h) => [h.f.id, h.score]),
    );
  });
});
