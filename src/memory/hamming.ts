/**
 * 1-bit sign codes of vectors and a Hamming-distance scan over them.
 *
 * Rows are stored as 64-bit words (little-endian pairs of 32-bit words) in one buffer. Large sets move their buffer
 * into WebAssembly memory and scan it with a tiny hand-assembled module whose inner loop is `i64.popcnt` (one CPU
 * instruction), about 5× faster than the best plain-JS popcount. Without WebAssembly (e.g. `--jitless`) or when the
 * memory cannot be allocated, the same layout is scanned in JS.
 */

/** Sets below this many rows stay in a plain ArrayBuffer (a wasm memory reserves address space; keep them few). */
export const WASM_MIN_ROWS = 4096;
const PAGE = 65536;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}

/**
 * `hamming(bits, n, words, q, out, hist)`: for each of `n` rows of `words` u64 at byte offset `bits`,
 * d = popcount(row XOR query at `q`); stores d as u16 at `out` and increments the u32 `hist[d]`.
 */
function hammingModuleBytes(): Uint8Array {
  const I32 = 0x7f;
  const I64 = 0x7e;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const i32c = (v: number) => [0x41, v];
  const [BITS, N, WORDS, Q, OUT, HIST, R, J, S, P, D] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const code = [
    ...[0x03, 0x02, I32, 0x01, I64, 0x02, I32], // locals: r, j: i32; s: i64; p, d: i32
    ...get(N),
    0x45, // i32.eqz
    0x04,
    0x40,
    0x0f,
    0x0b, // if return end
    ...get(BITS),
    ...set(P),
    0x03,
    0x40, // loop rows
    0x42,
    0x00, // i64.const 0
    ...set(S),
    ...i32c(0),
    ...set(J),
    0x03,
    0x40, // loop words
    ...get(S),
    ...get(P),
    0x29,
    0x03,
    0x00, // i64.load align=8
    ...get(Q),
    ...get(J),
    ...i32c(3),
    0x74, // i32.shl
    0x6a, // i32.add
    0x29,
    0x03,
    0x00, // i64.load
    0x85, // i64.xor
    0x7b, // i64.popcnt
    0x7c, // i64.add
    ...set(S),
    ...get(P),
    ...i32c(8),
    0x6a,
    ...set(P),
    ...get(J),
    ...i32c(1),
    0x6a,
    ...tee(J),
    ...get(WORDS),
    0x49, // i32.lt_u
    0x0d,
    0x00, // br_if words
    0x0b, // end words
    ...get(S),
    0xa7, // i32.wrap_i64
    ...set(D),
    ...get(OUT),
    ...get(R),
    ...i32c(1),
    0x74,
    0x6a,
    ...get(D),
    0x3b,
    0x01,
    0x00, // i32.store16 align=2
    ...get(HIST),
    ...get(D),
    ...i32c(2),
    0x74,
    0x6a,
    ...get(HIST),
    ...get(D),
    ...i32c(2),
    0x74,
    0x6a,
    0x28,
    0x02,
    0x00, // i32.load align=4
    ...i32c(1),
    0x6a,
    0x36,
    0x02,
    0x00, // i32.store align=4
    ...get(R),
    ...i32c(1),
    0x6a,
    ...tee(R),
    ...get(N),
    0x49,
    0x0d,
    0x00, // br_if rows
    0x0b, // end rows
    0x0b, // end function
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, 0x06, I32, I32, I32, I32, I32, I32, 0x00]),
    ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...name('hamming'), 0x00, 0x00]),
    ...section(10, [0x01, ...uleb(code.length), ...code]),
  ];
  return Uint8Array.from(bytes);
}

type HammingFn = (bits: number, n: number, words: number, q: number, out: number, hist: number) => void;

/** The slice of the WebAssembly JS API used here (the project's TS libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

function wasmModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(hammingModuleBytes()) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether the WebAssembly scan is available in this process. */
export function wasmAvailable(): boolean {
  return wasmModule() !== null;
}

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
    const mod = wasmModule();
    if (!mod || !wasmApi) return false;
    try {
      const memory = new wasmApi.Memory({ initial: Math.ceil(bytes / PAGE) });
      const instance = new wasmApi.Instance(mod, { env: { memory } });
      this.scan = instance.exports.hamming as HammingFn;
      this.memory = memory;
      this.buffer = memory.buffer;
      return true;
    } catch {
      // Address space for wasm memories is limited; the JS scan reads the same layout.
      return false;
    }
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
