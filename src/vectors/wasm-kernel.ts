/**
 * What the hand-assembled WebAssembly kernels (hamming-wasm.ts, dot-wasm.ts) share: the few encodings of the binary
 * format they need, and compiling a module once per process and binding it to a fresh memory.
 * Binary format reference: https://webassembly.github.io/spec/core/binary/
 */

/** Unsigned LEB128, the encoding of every length and count in the format. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128, the encoding of i32.const immediates. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** A section: its id, its byte length, its body. */
export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A name: its length, then its (ASCII) bytes. */
export function name(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** The slice of the WebAssembly JS API used here (the project's TS libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

/** A kernel module compiled on first use: whether it is available, and instances bound to their own memory. */
export interface WasmKernel<F> {
  available(): boolean;
  /** A memory of `pages` 64 KiB pages with the kernel bound to it, or undefined when it cannot be had. */
  instantiate(pages: number): { memory: WasmMemory; fn: F } | undefined;
}

/** Compiles `bytes()` on first use and exports `exportName` from each instance (imports `env.memory`). */
export function createWasmKernel<F>(bytes: () => Uint8Array, exportName: string): WasmKernel<F> {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  let compiled: object | null | undefined;
  const module = (): object | null => {
    if (compiled === undefined) {
      try {
        compiled = api ? new api.Module(bytes()) : null;
      } catch {
        // No WebAssembly (`--jitless`) or a missing feature (SIMD): callers use their plain-JS twin.
        compiled = null;
      }
    }
    return compiled;
  };
  return {
    available: () => module() !== null,
    instantiate(pages) {
      const mod = module();
      if (!mod || !api) return undefined;
      try {
        const memory = new api.Memory({ initial: pages });
        const instance = new api.Instance(mod, { env: { memory } });
        return { memory, fn: instance.exports[exportName] as F };
      } catch {
        // Address space for wasm memories is limited; the JS twin reads the same layout.
        return undefined;
      }
    },
  };
}
