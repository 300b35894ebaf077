/**
 * The WebAssembly Hamming scan used by hamming.ts, assembled by hand (190 bytes; no toolchain, no binary file).
 *
 * It exports one function over an imported memory:
 *   hamming(bits, n, words, q, out, hist)
 * For each of `n` rows of `words` u64 stored back to back from byte `bits`, it computes
 *   d = popcount(row XOR query)   (query = `words` u64 at byte `q`)
 * stores d as u16 at `out + 2·row` and increments the u32 counter `hist[d]` (at `hist + 4·d`).
 *
 * Why WebAssembly: its `i64.popcnt` is one CPU instruction, while JS has no popcount; `npm run bench -- hamming`
 * measures both on the same layout (at 100k rows the plain-JS scan alone exceeds the 10 ms recall target).
 * Binary format reference: https://webassembly.github.io/spec/core/binary/
 */
import { type WasmKernel, type WasmMemory, createWasmKernel, name, section, sleb, uleb } from './wasm-kernel.ts';

// Value types.
const I32 = 0x7f;
const I64 = 0x7e;

// Instructions (opcode bytes). Loads and stores are followed by a memarg: log2(alignment), then the offset (0).
const LOOP = 0x03; // loop <blocktype>: a label that `br_if` jumps back to
const IF = 0x04; // if <blocktype>
const VOID = 0x40; // blocktype: the block leaves nothing on the stack
const END = 0x0b; // end of a block, loop, if or the function body
const BR_IF = 0x0d; // br_if <depth>: pops an i32, jumps to the enclosing label <depth> if it is not zero
const RETURN = 0x0f;
const I32_LOAD = 0x28;
const I64_LOAD = 0x29;
const I32_STORE = 0x36;
const I32_STORE16 = 0x3b;
const I32_EQZ = 0x45;
const I32_LT_U = 0x49;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I64_POPCNT = 0x7b;
const I64_ADD = 0x7c;
const I64_XOR = 0x85;
const I32_WRAP_I64 = 0xa7;

const get = (local: number) => [0x20, local]; // local.get
const set = (local: number) => [0x21, local]; // local.set
const tee = (local: number) => [0x22, local]; // local.tee: set and keep the value on the stack
/** i32.const for 0..63 (a one-byte signed LEB128). */
const i32 = (v: number) => [0x41, v];
const i64Zero = [0x42, 0x00]; // i64.const 0

// Locals 0-5 are the parameters; 6-10 are declared in the body (and start at 0, as all wasm locals do).
const [BITS, N, WORDS, Q, OUT, HIST] = [0, 1, 2, 3, 4, 5];
/** Row index, word index, popcount sum (i64), pointer to the current word, distance. */
const [R, J, S, P, D] = [6, 7, 8, 9, 10];

/** s = Σ popcount(row word XOR query word) over the row's words; p advances to the next row. */
function rowDistance(): number[] {
  return [
    ...i64Zero,
    ...set(S), // s = 0
    ...i32(0),
    ...set(J), // j = 0
    ...[LOOP, VOID], // words:
    ...[...get(S), ...get(P), I64_LOAD, 0x03, 0x00], //   push s; push the row word at p (8-byte aligned)
    ...[...get(Q), ...get(J), ...i32(3), I32_SHL, I32_ADD], //   address q + (j << 3)
    ...[I64_LOAD, 0x03, 0x00], //   push the query word
    ...[I64_XOR, I64_POPCNT, I64_ADD, ...set(S)], //   s += popcnt(row word ^ query word)
    ...[...get(P), ...i32(8), I32_ADD, ...set(P)], //   p += 8
    ...[...get(J), ...i32(1), I32_ADD, ...tee(J)], //   j += 1
    ...[...get(WORDS), I32_LT_U, BR_IF, 0x00], //   if j < words: repeat words
    END,
  ];
}

/** out[r] = d (u16); hist[d] += 1 (u32). */
function recordDistance(): number[] {
  return [
    ...[...get(S), I32_WRAP_I64, ...set(D)], // d = s as i32 (at most 64 · words)
    ...[...get(OUT), ...get(R), ...i32(1), I32_SHL, I32_ADD], // address out + (r << 1)
    ...[...get(D), I32_STORE16, 0x01, 0x00], // store d as u16 (2-byte aligned)
    ...[...get(HIST), ...get(D), ...i32(2), I32_SHL, I32_ADD], // address hist + (d << 2), for the store
    ...[...get(HIST), ...get(D), ...i32(2), I32_SHL, I32_ADD], // the same address, for the load
    ...[I32_LOAD, 0x02, 0x00, ...i32(1), I32_ADD], // hist[d] + 1 (4-byte aligned load)
    ...[I32_STORE, 0x02, 0x00], // store it back
  ];
}

/** The function body: local declarations, an early return for n = 0, then the loop over rows. */
function loopBody(): number[] {
  const code = [
    // Three groups of locals: 2 × i32 (r, j), 1 × i64 (s), 2 × i32 (p, d).
    ...[0x03, 0x02, I32, 0x01, I64, 0x02, I32],
    ...[...get(N), I32_EQZ, IF, VOID, RETURN, END], // if n == 0: return
    ...[...get(BITS), ...set(P)], // p = bits
    ...[LOOP, VOID], // rows:
    ...rowDistance(),
    ...recordDistance(),
    ...[...get(R), ...i32(1), I32_ADD, ...tee(R)], //   r += 1
    ...[...get(N), I32_LT_U, BR_IF, 0x00], //   if r < n: repeat rows
    END,
    END, // end of the function body
  ];
  return [...uleb(code.length), ...code];
}

/** Widest row (in u64 words) that gets a fully unrolled body; wider rows use the loop. */
export const UNROLL_MAX_WORDS = 64;

/**
 * The body specialised for rows of `words` u64 (≤ UNROLL_MAX_WORDS): the query words are loaded into locals once,
 * and each row is `words` loads at fixed offsets from p, with no inner loop or query reloads (the 768-dim sign codes
 * of recall and knowledge are 12 words: about 1.7× faster than the loop at 100k rows, `npm run bench -- hamming`).
 */
function unrolledBody(words: number): number[] {
  const [r, p, d] = [6, 7, 8];
  const qWord = (j: number) => 9 + j; // i64 locals holding the query
  const rowWord = (j: number) => [...get(p), I64_LOAD, 0x03, ...uleb(8 * j), ...get(qWord(j)), I64_XOR, I64_POPCNT];
  const sum = [...rowWord(0)];
  for (let j = 1; j < words; j++) sum.push(...rowWord(j), I64_ADD);
  const loadQuery: number[] = [];
  for (let j = 0; j < words; j++) loadQuery.push(...get(Q), I64_LOAD, 0x03, ...uleb(8 * j), ...set(qWord(j)));
  const code = [
    ...[0x02, 0x03, I32, ...uleb(words), I64], // locals: 3 × i32 (r, p, d), words × i64 (the query)
    ...[...get(N), I32_EQZ, IF, VOID, RETURN, END],
    ...loadQuery,
    ...[...get(BITS), ...set(p)],
    ...[LOOP, VOID],
    ...[...sum, I32_WRAP_I64, ...set(d)], // d = Σ popcount(row word ^ query word)
    ...[...get(OUT), ...get(r), ...i32(1), I32_SHL, I32_ADD, ...get(d), I32_STORE16, 0x01, 0x00], // out[r] = d
    ...[...get(HIST), ...get(d), ...i32(2), I32_SHL, I32_ADD, ...tee(d)], // d = address of hist[d]
    ...[...get(d), I32_LOAD, 0x02, 0x00, ...i32(1), I32_ADD, I32_STORE, 0x02, 0x00], // hist[d] += 1
    ...[...get(p), 0x41, ...sleb(8 * words), I32_ADD, ...set(p)], // p += 8 · words
    ...[...get(r), ...i32(1), I32_ADD, ...tee(r)],
    ...[...get(N), I32_LT_U, BR_IF, 0x00],
    END,
    END,
  ];
  return [...uleb(code.length), ...code];
}

/**
 * The module's bytes (the order of sections is fixed by the format): specialised for rows of `words` u64 when given
 * and small enough, otherwise the generic loop over the `words` argument.
 */
export function hammingModuleBytes(words?: number): Uint8Array {
  const body = words !== undefined && words >= 1 && words <= UNROLL_MAX_WORDS ? unrolledBody(words) : loopBody();
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d], // magic "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // format version 1
    // Type section (1): one function type, 0x60 = func, six i32 parameters, no results.
    ...section(1, [0x01, 0x60, 0x06, I32, I32, I32, I32, I32, I32, 0x00]),
    // Import section (2): one import "env"."memory", kind 0x02 = memory, limits 0x00 = min only, min 0 pages.
    ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    // Function section (3): one function, of type 0.
    ...section(3, [0x01, 0x00]),
    // Export section (7): one export "hamming", kind 0x00 = function, function index 0.
    ...section(7, [0x01, ...name('hamming'), 0x00, 0x00]),
    // Code section (10): one body (its size, then locals and instructions).
    ...section(10, [0x01, ...body]),
  ];
  return Uint8Array.from(bytes);
}

/** The scan function as exported (arguments are byte offsets and counts, see the top of the file). */
export type HammingFn = (bits: number, n: number, words: number, q: number, out: number, hist: number) => void;

/** One compiled module per row width (a process sees one or two: the embedding model's dimensions). */
const kernels = new Map<number, WasmKernel<HammingFn>>();
function kernel(words: number): WasmKernel<HammingFn> {
  const key = words <= UNROLL_MAX_WORDS ? words : 0;
  let k = kernels.get(key);
  if (!k) {
    k = createWasmKernel<HammingFn>(() => hammingModuleBytes(key || undefined), 'hamming');
    kernels.set(key, k);
  }
  return k;
}

/**
 * Whether the WebAssembly scan for rows of `words` u64 (default 12: 768-dim embeddings) is available in this process
 * (not e.g. under `--jitless`).
 */
export function wasmAvailable(words = 12): boolean {
  return kernel(words).available();
}

/**
 * A wasm memory of `pages` 64 KiB pages with the scan for rows of `words` u64 bound to it, or undefined when it
 * cannot be had. The bound scan must be called with that same `words`.
 */
export function instantiateScan(pages: number, words: number): { memory: WasmMemory; scan: HammingFn } | undefined {
  const bound = kernel(words).instantiate(pages);
  return bound && { memory: bound.memory, scan: bound.fn };
}
