/**
 * 1-bit sign codes of vectors and a Hamming-distance scan over them.
 *
 * Rows are stored as 64-bit words (little-endian pairs of 32-bit words) in one buffer. Large sets move their buffer
 * into WebAssembly memory and scan it with a tiny hand-assembled module whose inner loop is `i64.popcnt` (one CPU
 * instruction; see hamming-wasm.ts), 5-20× faster than the plain-JS popcount below (`npm run bench -- hamming`).
 * Without WebAssembly (e.g. `--jitless`) or when the memory cannot be allocated, the same layout is scanned in JS.
 */
import { type HammingFn, instantiateScan } from './hamming-wasm.ts';
import type { WasmMemory } from './wasm-kernel.ts';

export { wasmAvailable } from './hamming-wasm.ts';

/** Sets below this many rows stay in a plain ArrayBuffer (a wasm memory reserves address space; keep them few). */
export const WASM_MIN_ROWS = 4096;
const PAGE = 65536;

function popcountSum(x: number): number {
  x = (x & 0x0f0f0f0f) + ((x >>> 4) & 0x0f0f0f0f);
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Per-nibble bit counts of a 32-bit word (each nibble ≤ 4, so three of them can be summed without carry). */
function nibbles(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  return (v & 0x33333333) + ((v >>> 2) & 0x33333333);
}

/**
 * Sign bits of up to `capacity` rows. Layout (bytes): [query words][histogram u32 × (dims + 1)][rows][distances u16].
 */
export class SignBits {
  readonly dims: number;
  /** 64-bit words per row. */
  readonly words: number;
  private readonly stride32: number;
  private readonly histOff: number;
  private readonly bitsOff: number;
  private readonly useWasm: boolean;
  capacity = 0;
  private memory: WasmMemory | undefined;
  private scan: HammingFn | undefined;
  private buffer: ArrayBuffer = new ArrayBuffer(0);
  private q32: Int32Array = new Int32Array(0);
  private hist: Uint32Array = new Uint32Array(0);
  private rows32: Int32Array = new Int32Array(0);
  private dist: Uint16Array = new Uint16Array(0);

  constructor(dims: number, capacity: number, options: { wasm?: boolean } = {}) {
    this.dims = dims;
    this.words = Math.ceil(dims / 64);
    this.stride32 = this.words * 2;
    this.histOff = this.words * 8;
    this.bitsOff = this.histOff + Math.ceil(((dims + 1) * 4) / 8) * 8;
    this.useWasm = options.wasm ?? true;
    this.ensure(Math.max(1, capacity));
  }

  private layoutBytes(capacity: number): number {
    return this.bitsOff + capacity * this.words * 8 + capacity * 2;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.buffer.byteLength;
  }

  /** Whether scans run in WebAssembly. */
  get wasm(): boolean {
    return this.scan !== undefined;
  }

  /** Makes room for `capacity` rows, keeping existing rows. */
  ensure(capacity: number): void {
    if (capacity <= this.capacity) return;
    const need = this.layoutBytes(capacity);
    const old = this.rows32;
    let moved = true;
    if (this.memory) {
      // Growing keeps the rows in place (the old views are detached, not copied from).
      const have = this.memory.buffer.byteLength;
      if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
      this.buffer = this.memory.buffer;
      moved = false;
    } else if (!(this.useWasm && capacity >= WASM_MIN_ROWS && this.tryWasm(need))) {
      this.buffer = new ArrayBuffer(need);
    }
    this.capacity = capacity;
    this.views();
    if (moved && old.length > 0) this.rows32.set(old);
  }

  private tryWasm(bytes: number): boolean {
    const wasm = instantiateScan(Math.ceil(bytes / PAGE), this.words);
    if (!wasm) return false;
    this.scan = wasm.scan;
    this.memory = wasm.memory;
    this.buffer = wasm.memory.buffer;
    return true;
  }

  private views(): void {
    const cap = this.capacity;
    this.q32 = new Int32Array(this.buffer, 0, this.stride32);
    this.hist = new Uint32Array(this.buffer, this.histOff, this.dims + 1);
    this.rows32 = new Int32Array(this.buffer, this.bitsOff, cap * this.stride32);
    this.dist = new Uint16Array(this.buffer, this.bitsOff + cap * this.words * 8, cap);
  }

  /** Stores the sign bits of `codes` (positive → 1) as row `row` (< capacity). */
  set(row: number, codes: ArrayLike<number>): void {
    const rows = this.rows32;
    const o = row * this.stride32;
    for (let j = 0; j < this.stride32; j++) rows[o + j] = 0;
    for (let i = 0; i < this.dims; i++) {
      if ((codes[i] as number) > 0) rows[o + (i >> 5)] = (rows[o + (i >> 5)] as number) | (1 << (i & 31));
    }
  }

  /**
   * Hamming distances between the query's sign bits and rows [0, n): returns views of the distances (u16 per row)
   * and their histogram (u32 per distance 0..dims). Both are scratch, valid until the next call.
   */
  distances(query: ArrayLike<number>, n: number): { dist: Uint16Array; hist: Uint32Array } {
    const q = this.q32;
    q.fill(0);
    for (let i = 0; i < this.dims; i++)
      if ((query[i] as number) > 0) q[i >> 5] = (q[i >> 5] as number) | (1 << (i & 31));
    this.hist.fill(0);
    const count = Math.min(n, this.capacity);
    if (this.scan) {
      this.scan(this.bitsOff, count, this.words, 0, this.bitsOff + this.capacity * this.words * 8, this.histOff);
    } else {
      this.scanJs(count);
    }
    return { dist: this.dist, hist: this.hist };
  }

  private scanJs(n: number): void {
    const rows = this.rows32;
    const q = this.q32;
    const dist = this.dist;
    const hist = this.hist;
    const w = this.stride32;
    for (let r = 0; r < n; r++) {
      const o = r * w;
      let s = 0;
      let j = 0;
      for (; j + 2 < w; j += 3) {
        const x =
          nibbles((rows[o + j] as number) ^ (q[j] as number)) +
          nibbles((rows[o + j + 1] as number) ^ (q[j + 1] as number)) +
          nibbles((rows[o + j + 2] as number) ^ (q[j + 2] as number));
        s += popcountSum(x);
      }
      for (; j < w; j++) s += popcountSum(nibbles((rows[o + j] as number) ^ (q[j] as number)));
      dist[r] = s;
      hist[s] = (hist[s] as number) + 1;
    }
  }
}
