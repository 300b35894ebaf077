/**
 * The WebAssembly SIMD dot-product kernel used by int8-rows.ts, assembled by hand (about 160 bytes; no toolchain,
 * no binary file).
 *
 * It exports one function over an imported memory:
 *   dots(codes, stride, list, n, q, out)
 * For i in [0, n): row r = list ? i32 at `list + 4·i` : i; it computes the integer dot product of the `stride` int8
 * codes of row r (at `codes + r·stride`) with the `stride` int16 query values at `q`, and stores it as i32 at
 * `out + 4·i`. `stride` is a positive multiple of 16 (rows are zero-padded to it); the caller bounds the query's
 * magnitude so no sum can overflow 32 bits (int8-rows.ts).
 *
 * Why WebAssembly SIMD: `i32x4.dot_i16x8_s` multiplies and pairwise-adds eight int16 lanes in one instruction, where
 * the JS loop does one multiply-add per element (about 15× slower over 768-dim vectors; `npm run bench -- knowledge`).
 * Binary format reference: https://webassembly.github.io/spec/core/binary/ (SIMD opcodes: prefix 0xfd).
 */
import { type WasmMemory, createWasmKernel, name, section, uleb } from './wasm-kernel.ts';

const I32 = 0x7f;
const V128 = 0x7b;

const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;
const VOID = 0x40;
const END = 0x0b;
const BR_IF = 0x0d;
const RETURN = 0x0f;
const I32_LOAD = 0x28;
const I32_STORE = 0x36;
const I32_EQZ = 0x45;
const I32_LT_U = 0x49;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;

// SIMD instructions: the 0xfd prefix, then the opcode as unsigned LEB128.
const SIMD = 0xfd;
/** v128.load with memarg (alignment hint 0, `offset`). */
const v128Load = (offset: number) => [SIMD, 0x00, 0x00, offset];
const V128_ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
const I16X8_EXTEND_LOW_I8X16_S = [SIMD, 0x87, 0x01];
const I16X8_EXTEND_HIGH_I8X16_S = [SIMD, 0x88, 0x01];
const I32X4_DOT_I16X8_S = [SIMD, 0xba, 0x01];
const I32X4_ADD = [SIMD, 0xae, 0x01];
const i32x4ExtractLane = (lane: number) => [SIMD, 0x1b, lane];

const get = (local: number) => [0x20, local];
const set = (local: number) => [0x21, local];
const tee = (local: number) => [0x22, local];
/** i32.const for 0..63 (a one-byte signed LEB128). */
const i32 = (v: number) => [0x41, v];

// Parameters 0-5; then locals: i32 i, p, end, j; v128 a0, a1, c.
const [CODES, STRIDE, LIST, N, Q, OUT] = [0, 1, 2, 3, 4, 5];
const [I, P, E, J, A0, A1, C] = [6, 7, 8, 9, 10, 11, 12];

/** p = codes + r·stride, with r = list[i] when a list is given, else i; e = p + stride; j = q; a0 = a1 = 0. */
function rowStart(): number[] {
  return [
    ...[...get(LIST), IF, I32], // if list (an i32 result):
    ...[...get(LIST), ...get(I), ...i32(2), I32_SHL, I32_ADD, I32_LOAD, 0x02, 0x00], //   list[i]
    ELSE, //  else:
    ...get(I), //   i
    END,
    ...[...get(STRIDE), I32_MUL, ...get(CODES), I32_ADD, ...tee(P)], // p = codes + r·stride
    ...[...get(STRIDE), I32_ADD, ...set(E)], // e = p + stride
    ...[...get(Q), ...set(J)], // j = q
    ...[...V128_ZERO, ...set(A0), ...V128_ZERO, ...set(A1)],
  ];
}

/** 16 codes per step: a0 += dot(low 8 codes, q[0..8]); a1 += dot(high 8 codes, q[8..16]). */
function rowDot(): number[] {
  return [
    ...[LOOP, VOID], // columns:
    ...[...get(A0), ...get(P), ...v128Load(0), ...tee(C), ...I16X8_EXTEND_LOW_I8X16_S], //   low codes as i16
    ...[...get(J), ...v128Load(0), ...I32X4_DOT_I16X8_S, ...I32X4_ADD, ...set(A0)], //   a0 += dot with q[j..]
    ...[...get(A1), ...get(C), ...I16X8_EXTEND_HIGH_I8X16_S], //   high codes as i16
    ...[...get(J), ...v128Load(16), ...I32X4_DOT_I16X8_S, ...I32X4_ADD, ...set(A1)], //   a1 += dot with q[j+16..]
    ...[...get(J), ...i32(32), I32_ADD, ...set(J)], //   j += 32 (16 int16 values)
    ...[...get(P), ...i32(16), I32_ADD, ...tee(P)], //   p += 16
    ...[...get(E), I32_LT_U, BR_IF, 0x00], //   if p < e: repeat columns
    END,
  ];
}

/** out[i] = the sum of the four lanes of a0 + a1. */
function rowStore(): number[] {
  return [
    ...[...get(OUT), ...get(I), ...i32(2), I32_SHL, I32_ADD], // address out + 4·i
    ...[...get(A0), ...get(A1), ...I32X4_ADD, ...tee(C), ...i32x4ExtractLane(0)],
    ...[...get(C), ...i32x4ExtractLane(1), I32_ADD, ...get(C), ...i32x4ExtractLane(2), I32_ADD],
    ...[...get(C), ...i32x4ExtractLane(3), I32_ADD],
    ...[I32_STORE, 0x02, 0x00],
  ];
}

function body(): number[] {
  const code = [
    ...[0x02, 0x04, I32, 0x03, V128], // locals: 4 × i32, 3 × v128
    ...[...get(N), I32_EQZ, IF, VOID, RETURN, END], // if n == 0: return
    ...[LOOP, VOID], // rows:
    ...rowStart(),
    ...rowDot(),
    ...rowStore(),
    ...[...get(I), ...i32(1), I32_ADD, ...tee(I)], //   i += 1
    ...[...get(N), I32_LT_U, BR_IF, 0x00], //   if i < n: repeat rows
    END,
    END,
  ];
  return [...uleb(code.length), ...code];
}

/** The module's bytes. */
export function dotModuleBytes(): Uint8Array {
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...section(1, [0x01, 0x60, 0x06, I32, I32, I32, I32, I32, I32, 0x00]), // type: (6 × i32) -> ()
    ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]), // import env.memory
    ...section(3, [0x01, 0x00]), // one function of type 0
    ...section(7, [0x01, ...name('dots'), 0x00, 0x00]), // export "dots"
    ...section(10, [0x01, ...body()]),
  ]);
}

/** The kernel as exported (byte offsets and counts, see the top of the file). */
export type DotsFn = (codes: number, stride: number, list: number, n: number, q: number, out: number) => void;

const kernel = createWasmKernel<DotsFn>(dotModuleBytes, 'dots');

/** Whether the SIMD kernel is available in this process. */
export function simdAvailable(): boolean {
  return kernel.available();
}

/** A wasm memory of `pages` 64 KiB pages with the kernel bound to it, or undefined when it cannot be had. */
export function instantiateDots(pages: number): { memory: WasmMemory; dots: DotsFn } | undefined {
  const bound = kernel.instantiate(pages);
  return bound && { memory: bound.memory, dots: bound.fn };
}
