/**
 * int8 codes of many vectors in one contiguous buffer, and their dot products with a query.
 *
 * Rows are zero-padded to a multiple of 16 codes. The query is quantised to int16 (bounded so that no sum of
 * products can overflow 32 bits), so every dot product is an exact integer: the WebAssembly SIMD kernel
 * (dot-wasm.ts) and the plain-JS loop below compute the same numbers. Sets of `WASM_DOT_MIN_ROWS` rows or more keep
 * their buffer in WebAssembly memory and scan it with the kernel; smaller ones (and processes without WebAssembly)
 * use the JS loop on the same layout.
 */
import { type DotsFn, instantiateDots } from './dot-wasm.ts';
import type { WasmMemory } from './wasm-kernel.ts';

/** Sets below this many rows stay in a plain ArrayBuffer (a wasm memory reserves address space; keep them few). */
export const WASM_DOT_MIN_ROWS = 256;
const PAGE = 65536;

/** Largest |code| a stored vector may hold (int8). */
const MAX_CODE = 128;

/** Rows' width in codes: `dims` rounded up to a multiple of 16. */
export function strideOf(dims: number): number {
  return Math.max(16, Math.ceil(dims / 16) * 16);
}

/**
 * The query as int16 values into `out` (length ≥ the query's), bounded so that Σ |q·code| < 2^31 over `dims` codes.
 * Returns the scale: q[i] ≈ query[i] / scale.
 */
export function quantizeQuery(query: ArrayLike<number>, dims: number, out: Int16Array): number {
  let max = 0;
  for (let i = 0; i < dims; i++) max = Math.max(max, Math.abs(query[i] as number));
  const limit = Math.min(32767, Math.floor(0x7fffffff / (MAX_CODE * Math.max(1, dims))));
  const scale = max > 0 ? max / limit : 1;
  for (let i = 0; i < dims; i++) out[i] = Math.round((query[i] as number) / scale);
  out.fill(0, dims);
  return scale;
}

/**
 * The JS twin of the SIMD kernel: out[i] = Σ codes[r·stride + k] · q[k] over k < stride, r = rows ? rows[i] : i.
 */
export function dotsJs(
  codes: Int8Array,
  stride: number,
  rows: Int32Array | undefined,
  n: number,
  q: Int16Array,
  out: Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    const o = (rows ? (rows[i] as number) : i) * stride;
    let a = 0;
    let b = 0;
    for (let k = 0; k < stride; k += 2) {
      a += (codes[o + k] as number) * (q[k] as number);
      b += (codes[o + k + 1] as number) * (q[k + 1] as number);
    }
    out[i] = a + b;
  }
}

/** Rows of int8 codes with scratch space for one query (searches are synchronous: one scratch serves all). */
export class Int8Rows {
  readonly dims: number;
  readonly stride: number;
  capacity = 0;
  private readonly useWasm: boolean;
  private memory: WasmMemory | undefined;
  private kernel: DotsFn | undefined;
  private buffer: ArrayBuffer = new ArrayBuffer(0);
  private codes: Int8Array = new Int8Array(0);
  private qOff = 0;
  private listOff = 0;
  private outOff = 0;
  private q: Int16Array = new Int16Array(0);
  private list: Int32Array = new Int32Array(0);
  private out: Int32Array = new Int32Array(0);

  constructor(dims: number, capacity: number, options: { wasm?: boolean } = {}) {
    this.dims = dims;
    this.stride = strideOf(dims);
    this.useWasm = options.wasm ?? true;
    this.ensure(Math.max(1, capacity));
  }

  /** Bytes held. */
  get bytes(): number {
    return this.buffer.byteLength;
  }

  /** Whether dot products run in WebAssembly SIMD. */
  get wasm(): boolean {
    return this.kernel !== undefined;
  }

  /** Layout (bytes): [codes: capacity × stride][query: stride × i16][row list: capacity × i32][out: capacity × i32]. */
  private layoutBytes(capacity: number): number {
    const cap4 = Math.ceil(capacity / 4) * 4;
    return capacity * this.stride + this.stride * 2 + cap4 * 8;
  }

  /** Makes room for `capacity` rows, keeping existing rows. */
  ensure(capacity: number): void {
    if (capacity <= this.capacity) return;
    const need = this.layoutBytes(capacity);
    const old = this.codes.subarray(0, this.capacity * this.stride);
    let moved = true;
    if (this.memory) {
      // Growing keeps the codes in place at offset 0 (only the scratch after them moves).
      const have = this.memory.buffer.byteLength;
      if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
      this.buffer = this.memory.buffer;
      moved = false;
    } else if (!(this.useWasm && capacity >= WASM_DOT_MIN_ROWS && this.tryWasm(need))) {
      this.buffer = new ArrayBuffer(need);
    }
    this.capacity = capacity;
    this.views();
    if (moved && old.length > 0) this.codes.set(old);
  }

  private tryWasm(bytes: number): boolean {
    const wasm = instantiateDots(Math.ceil(bytes / PAGE));
    if (!wasm) return false;
    this.kernel = wasm.dots;
    this.memory = wasm.memory;
    this.buffer = wasm.memory.buffer;
    return true;
  }

  private views(): void {
    const cap = this.capacity;
    this.qOff = cap * this.stride;
    this.listOff = this.qOff + this.stride * 2;
    this.outOff = this.listOff + Math.ceil(cap / 4) * 16;
    this.codes = new Int8Array(this.buffer, 0, cap * this.stride);
    this.q = new Int16Array(this.buffer, this.qOff, this.stride);
    this.list = new Int32Array(this.buffer, this.listOff, cap);
    this.out = new Int32Array(this.buffer, this.outOff, cap);
  }

  /** Stores `codes` (length `dims`) as row `row` (< capacity), zero-padded to the stride. */
  set(row: number, codes: Int8Array): void {
    const o = row * this.stride;
    this.codes.set(codes.subarray(0, this.dims), o);
    this.codes.fill(0, o + this.dims, o + this.stride);
  }

  /** Quantises the query into the scratch; returns its scale (a dot product × scale ≈ the float dot product). */
  setQuery(query: ArrayLike<number>): number {
    return quantizeQuery(query, this.dims, this.q);
  }

  /** Scratch for the rows of the next `dots(list)` call (up to `capacity` row numbers). */
  get rowList(): Int32Array {
    return this.list;
  }

  /**
   * Dot products of the query (setQuery) with rows [0, n) or, when `listed`, with the first n rows of `rowList`.
   * Returns a scratch view: out[i] for the i-th row, valid until the next call.
   */
  dots(n: number, listed = false): Int32Array {
    const count = Math.min(n, this.capacity);
    if (this.kernel) this.kernel(0, this.stride, listed ? this.listOff : 0, count, this.qOff, this.outOff);
    else dotsJs(this.codes, this.stride, listed ? this.list : undefined, count, this.q, this.out);
    return this.out;
  }
}
