/**
 * Compact vector encoding: a unit-normalised embedding quantised to int8 with one float32 scale.
 * BLOB layout: [scale: float32 LE][dims × int8]; 768 dims → 772 bytes (float32 would be 3 KB).
 * Cosine similarity ≈ dot(query, codes) × scale for a unit-length float query.
 */

/** Returns a unit-length copy of `v` (zero vectors stay zero). */
export function normalize(v: ArrayLike<number>): Float32Array {
  const out = new Float32Array(v.length);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * inv;
  return out;
}

/** Quantises a vector (normalised first) into the BLOB layout above. */
export function encodeVector(v: ArrayLike<number>): Uint8Array {
  const u = normalize(v);
  let max = 0;
  for (let i = 0; i < u.length; i++) max = Math.max(max, Math.abs(u[i] as number));
  const scale = max > 0 ? max / 127 : 1;
  const bytes = new Uint8Array(4 + u.length);
  new DataView(bytes.buffer).setFloat32(0, scale, true);
  const codes = new Int8Array(bytes.buffer, 4);
  for (let i = 0; i < u.length; i++) codes[i] = Math.round((u[i] as number) / scale);
  return bytes;
}

/** Reads a BLOB (ArrayBuffer or Uint8Array from the store) back into its scale and int8 codes. */
export function decodeVector(blob: unknown): { scale: number; codes: Int8Array } | undefined {
  let bytes: Uint8Array;
  if (blob instanceof ArrayBuffer) bytes = new Uint8Array(blob);
  else if (blob instanceof Uint8Array) bytes = blob;
  else return undefined;
  if (bytes.byteLength < 5) return undefined;
  const scale = new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
  return { scale, codes: new Int8Array(bytes.buffer, bytes.byteOffset + 4, bytes.byteLength - 4) };
}

/** Dequantised unit vector from a BLOB. */
export function vectorFromBlob(blob: unknown): Float32Array | undefined {
  const d = decodeVector(blob);
  if (!d) return undefined;
  const out = new Float32Array(d.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = (d.codes[i] as number) * d.scale;
  return out;
}

/** Cosine of two vectors of equal length (0 when lengths differ or either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
