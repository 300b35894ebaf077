import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simdAvailable } from '../../src/vectors/dot-wasm.ts';
import { Int8Rows, quantizeQuery, strideOf, WASM_DOT_MIN_ROWS } from '../../src/vectors/int8-rows.ts';
import { ScopeVectors } from '../../src/vectors/vector-index.ts';
import { decodeVector, encodeVector } from '../../src/vectors/vectors.ts';

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

/** Random int8 codes, extremes included (±127 and -128, the largest products the bound allows). */
function randomCodes(r: () => number, dims: number): Int8Array {
  return Int8Array.from({ length: dims }, () => {
    const x = r();
    return x < 0.05 ? -128 : x < 0.1 ? 127 : Math.floor(r() * 256) - 128;
  });
}

/** The exact dot product of the codes with the quantised query, in plain numbers. */
function naiveDot(codes: Int8Array, q: Int16Array): number {
  let s = 0;
  for (let i = 0; i < codes.length; i++) s += (codes[i] as number) * (q[i] as number);
  return s;
}

describe('int8 dot products (WebAssembly SIMD and JS)', () => {
  test('the SIMD module compiles on this Node', () => {
    assert.ok(simdAvailable(), 'WebAssembly SIMD should be available on Node 20+ (JS is only the fallback)');
  });

  for (const dims of [768, 100, 17, 1, 3072]) {
    test(`SIMD and JS give the exact integer dot products (${dims} dims; rows padded to ${strideOf(dims)})`, () => {
      const r = rng(dims);
      const n = WASM_DOT_MIN_ROWS + 77;
      const codes = Array.from({ length: n }, () => randomCodes(r, dims));
      const simd = new Int8Rows(dims, 8);
      const js = new Int8Rows(dims, 8, { wasm: false });
      for (let i = 0; i < n; i++) {
        // Grow in doubling steps (as ScopeVectors does): rows survive the move into wasm memory and its growth.
        for (const s of [simd, js]) if (s.capacity <= i) s.ensure(s.capacity * 2);
        simd.set(i, codes[i] as Int8Array);
        js.set(i, codes[i] as Int8Array);
      }
      assert.equal(simd.wasm, true, 'a set this large should use the SIMD kernel');
      assert.equal(js.wasm, false);
      for (let k = 0; k < 3; k++) {
        // A query with one dominant component and the rest tiny, then plain random ones.
        const query = Float32Array.from({ length: dims }, (_, i) => (k === 0 && i === 0 ? 1 : r() - 0.5));
        const q = new Int16Array(strideOf(dims));
        const scale = quantizeQuery(query, dims, q);
        assert.ok(scale > 0);
        assert.equal(simd.setQuery(query), scale);
        js.setQuery(query);
        const all = Array.from(simd.dots(n)).slice(0, n);
        assert.deepEqual(Array.from(js.dots(n)).slice(0, n), all, 'JS and SIMD differ over all rows');
        for (const i of [0, 1, n >> 1, n - 1]) assert.equal(all[i], naiveDot(codes[i] as Int8Array, q), `row ${i}`);
        // A row list (the prefilter's candidates), in any order, with repeats.
        const picked = [n - 1, 0, 5, 5, WASM_DOT_MIN_ROWS, 3];
        for (const s of [simd, js]) s.rowList.set(picked);
        const expected = picked.map((row) => all[row]);
        assert.deepEqual(Array.from(simd.dots(picked.length, true)).slice(0, picked.length), expected, 'SIMD list');
        assert.deepEqual(Array.from(js.dots(picked.length, true)).slice(0, picked.length), expected, 'JS list');
      }
    });
  }

  test('the quantised query keeps sums inside 32 bits even when every product is the largest', () => {
    const dims = 3072;
    const rows = new Int8Rows(dims, WASM_DOT_MIN_ROWS);
    rows.set(0, new Int8Array(dims).fill(-128));
    rows.setQuery(new Float32Array(dims).fill(-1));
    const [dot] = rows.dots(1);
    const q = new Int16Array(strideOf(dims));
    quantizeQuery(new Float32Array(dims).fill(-1), dims, q);
    assert.equal(dot, -128 * (q[0] as number) * dims);
    assert.ok((dot as number) > 0 && (dot as number) < 2 ** 31);
  });

  test('scores match the float cosine of the stored vectors closely', () => {
    const r = rng(5);
    const dims = 768;
    const set = new ScopeVectors(dims, 16);
    const blobs = Array.from({ length: 600 }, () => encodeVector(Float32Array.from({ length: dims }, () => r() - 0.5)));
    for (const [i, b] of blobs.entries()) assert.ok(set.add(i + 1, b));
    const query = Float32Array.from({ length: dims }, () => r() - 0.5);
    let norm = 0;
    for (const x of query) norm += x * x;
    const unit = query.map((x) => x / Math.sqrt(norm));
    for (const hit of set.search(unit, 20)) {
      const d = decodeVector(blobs[hit.id - 1]) as { scale: number; codes: Int8Array };
      let exact = 0;
      for (let i = 0; i < dims; i++) exact += (unit[i] as number) * (d.codes[i] as number) * d.scale;
      assert.ok(Math.abs(hit.score - exact) < 1e-3, `id ${hit.id}: ${hit.score} vs ${exact}`);
    }
  });

  for (const n of [300, 6000]) {
    test(`ScopeVectors finds the same hits with and without WebAssembly (${n} vectors)`, () => {
      const r = rng(n);
      const dims = 768;
      const simd = new ScopeVectors(dims, 16);
      const js = new ScopeVectors(dims, 16, { wasm: false });
      for (let i = 0; i < n; i++) {
        const blob = encodeVector(Float32Array.from({ length: dims }, () => r() - 0.5));
        simd.add(i + 1, blob);
        js.add(i + 1, blob);
      }
      for (let k = 0; k < 5; k++) {
        const q = Float32Array.from({ length: dims }, () => r() - 0.5);
        const exclude = new Set([1, 2, 3]);
        assert.deepEqual(simd.search(q, 10, { exclude }), js.search(q, 10, { exclude }));
      }
    });
  }
});
