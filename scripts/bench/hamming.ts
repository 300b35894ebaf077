import { SignBits, WASM_MIN_ROWS } from '../../src/vectors/hamming.ts';
import { type BenchRow, median } from './row.ts';

/**
 * The Hamming prefilter of vector recall (src/vectors/hamming.ts): one query's sign bits against n stored rows of
 * 768 dims, scanned by the WebAssembly `i64.popcnt` loop and by the plain-JS popcount over the same layout.
 * Only scopes above 4096 vectors use the prefilter (smaller ones are scanned exactly); the 1k row is measured anyway
 * to show the fixed costs.
 */
const D = 768;
const QUERIES = 40;

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

function randomCodes(r: () => number): Int8Array {
  const codes = new Int8Array(D);
  for (let i = 0; i < D; i++) codes[i] = r() < 0.5 ? -1 : 1;
  return codes;
}

/** Median ms per scan of `n` rows (after a warm-up). */
function timeScan(bits: SignBits, queries: Int8Array[], n: number): number {
  for (const q of queries.slice(0, 10)) bits.distances(q, n);
  const times: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    bits.distances(q, n);
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const r = rng(7);
  const queries = Array.from({ length: QUERIES }, () => randomCodes(r));
  for (const n of [1_000, 10_000, 100_000]) {
    // Capacity at least the wasm threshold, so the 1k set scans in wasm too (only `n` rows are scanned).
    const capacity = Math.max(n, WASM_MIN_ROWS);
    const wasm = new SignBits(D, capacity);
    const js = new SignBits(D, capacity, { wasm: false });
    for (let i = 0; i < n; i++) {
      const codes = randomCodes(r);
      wasm.set(i, codes);
      js.set(i, codes);
    }
    const label = n >= 1000 ? `${n / 1000}k` : String(n);
    const tWasm = timeScan(wasm, queries, n);
    const tJs = timeScan(js, queries, n);
    const note = wasm.wasm ? 'one query, 768-dim sign bits, distances + histogram' : 'WebAssembly unavailable here';
    rows.push(
      { area: 'memory', name: `Hamming scan ${label} rows, WebAssembly i64.popcnt`, value: tWasm, unit: 'ms', note },
      { area: 'memory', name: `Hamming scan ${label} rows, plain JS popcount`, value: tJs, unit: 'ms', note },
      { area: 'memory', name: `Hamming scan ${label} rows, JS / WebAssembly`, value: tJs / tWasm, unit: '×' },
    );
  }
  return rows;
}
