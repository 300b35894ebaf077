import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignBits, WASM_MIN_ROWS, wasmAvailable } from '../../src/vectors/hamming.ts';
import { ScopeVectors } from '../../src/vectors/vector-index.ts';
import { encodeVector } from '../../src/vectors/vectors.ts';

const D = 768;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVec(r: () => number, dims = D): Float32Array {
  return Float32Array.from({ length: dims }, () => r() - 0.5);
}

function naiveHamming(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if ((a[i] as number) > 0 !== (b[i] as number) > 0) d++;
  return d;
}

describe('sign bits and Hamming scan', () => {
  test('the WebAssembly module compiles on this Node', () => {
    assert.ok(wasmAvailable(), 'WebAssembly Hamming scan should be available (falls back to JS only without wasm)');
  });

  for (const dims of [768, 100, 4100]) {
    // 768 and 100 dims run the unrolled kernels (12 and 2 words); 4100 dims (65 words) the generic loop.
    test(`wasm and JS scans agree with a naive count (${dims} dims, incl. growth past the wasm threshold)`, () => {
      const r = rng(dims);
      const n = WASM_MIN_ROWS + 300;
      const rows = Array.from({ length: n }, () => randomVec(r, dims));
      const wasm = new SignBits(dims, 16);
      const js = new SignBits(dims, 16, { wasm: false });
      for (let i = 0; i < n; i++) {
        // Grow in doubling steps, as ScopeVectors does, so rows survive both moves and in-place wasm growth.
        for (const b of [wasm, js]) if (b.capacity <= i) b.ensure(b.capacity * 2);
        wasm.set(i, rows[i] as Float32Array);
        js.set(i, rows[i] as Float32Array);
      }
      assert.equal(wasm.wasm, true, 'a set this large should scan in WebAssembly');
      assert.equal(js.wasm, false, 'the JS-only set must not use WebAssembly');
      for (let k = 0; k < 3; k++) {
        const q = randomVec(r, dims);
        const a = wasm.distances(q, n);
        const distWasm = Array.from(a.dist.subarray(0, n));
        const histWasm = Array.from(a.hist);
        const b = js.distances(q, n);
        assert.deepEqual(Array.from(b.dist.subarray(0, n)), distWasm, 'JS and wasm distances differ');
        assert.deepEqual(Array.from(b.hist), histWasm, 'JS and wasm histograms differ');
        for (const i of [0, 1, 4095, 4096, n - 1]) {
          assert.equal(distWasm[i], naiveHamming(q, rows[i] as Float32Array), `row ${i}`);
        }
        assert.equal(
          histWasm.reduce((s, v) => s + v, 0),
          n,
          'histogram counts every row once',
        );
      }
    });
  }
});

describe('ScopeVectors search', () => {
  test('a large scope (Hamming prefilter + int8 re-rank) finds the exact top 10 for near-duplicate queries', () => {
    const r = rng(7);
    const n = 6000;
    const vecs = Array.from({ length: n }, () => randomVec(r));
    const set = new ScopeVectors(D, 16);
    for (let i = 0; i < n; i++) assert.ok(set.add(i + 1, encodeVector(vecs[i] as Float32Array)), `add ${i}`);
    set.sealSorted();
    assert.ok(set.has(1) && set.has(n) && !set.has(n + 1), 'has() sees the sorted ids');
    for (let k = 0; k < 5; k++) {
      const target = Math.floor(r() * n);
      const q = Float32Array.from(vecs[target] as Float32Array, (v) => v + (r() - 0.5) * 0.05);
      let norm = 0;
      for (const v of q) norm += v * v;
      for (let i = 0; i < D; i++) q[i] = (q[i] as number) / Math.sqrt(norm);
      const hits = set.search(q, 10);
      assert.equal(hits.length, 10, 'ten hits');
      assert.equal(hits[0]?.id, target + 1, 'the perturbed source vector ranks first');
      for (let i = 1; i < hits.length; i++) {
        assert.ok((hits[i - 1]?.score ?? 0) >= (hits[i]?.score ?? 0), 'hits are sorted best first');
      }
      const excluded = set.search(q, 10, { exclude: new Set([target + 1]), minScore: 0.05 });
      assert.ok(!excluded.some((h) => h.id === target + 1), 'excluded id is skipped');
      assert.ok(
        excluded.every((h) => h.score >= 0.05),
        'minScore is applied',
      );
    }
  });
});
