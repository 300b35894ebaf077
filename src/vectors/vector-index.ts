import { SignBits } from './hamming.ts';
import { Int8Rows } from './int8-rows.ts';
import { decodeVector } from './vectors.ts';

/** One hit of a vector search: the message id and its cosine similarity to the query. */
export interface VectorHit {
  id: number;
  score: number;
}

/** Below this many vectors a scope is scanned exactly; above it a 1-bit prefilter picks candidates first. */
const EXACT_LIMIT = 4096;

/**
 * All vectors of one scope in contiguous typed arrays: int8 codes, one scale each, and 1-bit sign codes derived
 * from them. Search is exact (int8 dot products, WebAssembly SIMD for sets of 256 rows or more, see int8-rows.ts) for
 * small scopes; for large ones a Hamming scan over the sign
 * codes (WebAssembly popcount, see hamming.ts) selects ~0.5% candidates (at least 500) which are then re-ranked
 * exactly on the int8 codes.
 */
export class ScopeVectors {
  readonly dims: number;
  size = 0;
  private ids: Float64Array;
  private scales: Float32Array;
  private rows: Int8Rows;
  private bits: SignBits;
  /** Ids arrive in ascending order from the loader; later appends may not. */
  private sortedUpTo = 0;

  /** `wasm: false` keeps every scan in plain JS (tests compare both). */
  constructor(dims: number, capacity = 64, options: { wasm?: boolean } = {}) {
    this.dims = dims;
    const cap = Math.max(1, capacity);
    this.ids = new Float64Array(cap);
    this.scales = new Float32Array(cap);
    this.rows = new Int8Rows(dims, cap, options);
    this.bits = new SignBits(dims, cap, options);
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.ids.byteLength + this.scales.byteLength + this.rows.bytes + this.bits.bytes;
  }

  private grow(min: number): void {
    let cap = this.ids.length;
    if (cap >= min) return;
    while (cap < min) cap *= 2;
    const ids = new Float64Array(cap);
    ids.set(this.ids.subarray(0, this.size));
    const scales = new Float32Array(cap);
    scales.set(this.scales.subarray(0, this.size));
    this.rows.ensure(cap);
    this.bits.ensure(cap);
    this.ids = ids;
    this.scales = scales;
  }

  /** Adds one encoded vector (see vectors.ts); returns false if the blob is malformed or has other dimensions. */
  add(id: number, blob: unknown): boolean {
    const d = decodeVector(blob);
    if (!d || d.codes.length !== this.dims) return false;
    this.grow(this.size + 1);
    const row = this.size;
    this.ids[row] = id;
    this.scales[row] = d.scale;
    this.rows.set(row, d.codes);
    this.bits.set(row, d.codes);
    this.size++;
    return true;
  }

  /** Marks the rows loaded so far as sorted by id (enables `has`). */
  sealSorted(): void {
    this.sortedUpTo = this.size;
  }

  /** Whether `id` is present (binary search over the sorted prefix, linear over later appends). */
  has(id: number): boolean {
    let lo = 0;
    let hi = this.sortedUpTo - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.ids[mid] as number;
      if (v === id) return true;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    for (let i = this.sortedUpTo; i < this.size; i++) if (this.ids[i] === id) return true;
    return false;
  }

  /**
   * Top `k` by cosine to the unit-length `query`, best first, skipping ids in `exclude` and scores below `minScore`.
   */
  search(query: Float32Array, k: number, options: { exclude?: Set<number>; minScore?: number } = {}): VectorHit[] {
    if (query.length !== this.dims || this.size === 0 || k <= 0) return [];
    const exclude = options.exclude;
    const min = options.minScore ?? -2;
    const qScale = this.rows.setQuery(query);
    const listed = this.size > EXACT_LIMIT;
    const n = listed ? this.candidates(query, k + (exclude?.size ?? 0)) : this.size;
    const dots = this.rows.dots(n, listed);
    const list = this.rows.rowList;
    const scales = this.scales;
    const topIds: number[] = [];
    const topScores: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = listed ? (list[i] as number) : i;
      const s = (dots[i] as number) * qScale * (scales[row] as number);
      if (s < min) continue;
      if (topScores.length === k && s <= (topScores[k - 1] as number)) continue;
      const id = this.ids[row] as number;
      if (exclude?.has(id)) continue;
      let pos = topScores.length;
      while (pos > 0 && (topScores[pos - 1] as number) < s) pos--;
      topScores.splice(pos, 0, s);
      topIds.splice(pos, 0, id);
      if (topScores.length > k) {
        topScores.pop();
        topIds.pop();
      }
    }
    return topIds.map((id, i) => ({ id, score: topScores[i] as number }));
  }

  /**
   * Rows whose sign codes are closest in Hamming distance to the query's (~0.5% of the scope, at least 500), written
   * to the rows' list scratch; returns how many.
   */
  private candidates(query: Float32Array, k: number): number {
    const n = this.size;
    const want = Math.min(n, Math.max(500, Math.ceil(n / 200), k * 20));
    const { dist, hist } = this.bits.distances(query, n);
    let threshold = 0;
    let cum = 0;
    for (; threshold <= this.dims; threshold++) {
      cum += hist[threshold] as number;
      if (cum >= want) break;
    }
    const out = this.rows.rowList;
    let m = 0;
    for (let r = 0; r < n; r++) if ((dist[r] as number) <= threshold) out[m++] = r;
    return m;
  }
}

/** Loads every vector of a scope in id order (one indexed range scan). */
export type ScopeLoader = (scope: string) => Promise<{ id: number; vec: unknown }[]>;

/**
 * In-process cache of per-scope vector sets, loaded lazily from the store and kept current on insert.
 * libSQL stays the source of truth; least-recently-used scopes are evicted beyond `maxBytes`.
 */
export class VectorCache {
  private readonly entries = new Map<string, ScopeVectors>();
  private readonly loading = new Map<
    string,
    { promise: Promise<ScopeVectors>; queued: { id: number; vec: unknown }[] }
  >();
  private readonly dims: number;
  private readonly maxBytes: number;
  private readonly loader: ScopeLoader;

  constructor(options: { dims: number; maxBytes: number; loader: ScopeLoader }) {
    this.dims = options.dims;
    this.maxBytes = options.maxBytes;
    this.loader = options.loader;
  }

  /** The scope's vectors, loading them on first use. */
  async get(scope: string): Promise<ScopeVectors> {
    const hit = this.entries.get(scope);
    if (hit) {
      this.entries.delete(scope);
      this.entries.set(scope, hit);
      return hit;
    }
    const pending = this.loading.get(scope);
    if (pending) return pending.promise;
    const queued: { id: number; vec: unknown }[] = [];
    const promise = (async () => {
      try {
        const rows = await this.loader(scope);
        const set = new ScopeVectors(this.dims, rows.length + 16);
        for (const row of rows) set.add(row.id, row.vec);
        set.sealSorted();
        for (const q of queued) if (!set.has(q.id)) set.add(q.id, q.vec);
        this.entries.set(scope, set);
        this.evict(scope);
        return set;
      } finally {
        this.loading.delete(scope);
      }
    })();
    this.loading.set(scope, { promise, queued });
    return promise;
  }

  /** Records a newly stored vector in the cache if the scope is cached or being loaded. */
  add(scope: string, id: number, vec: unknown): void {
    const set = this.entries.get(scope);
    if (set) {
      set.add(id, vec);
      this.evict(scope);
      return;
    }
    this.loading.get(scope)?.queued.push({ id, vec });
  }

  /** Forgets a scope (after deletes); it reloads from the store on next use. */
  invalidate(scope: string): void {
    this.entries.delete(scope);
  }

  /** Drops every cached scope. */
  clear(): void {
    this.entries.clear();
  }

  /** Total bytes currently cached. */
  get bytes(): number {
    let total = 0;
    for (const s of this.entries.values()) total += s.bytes;
    return total;
  }

  private evict(keep: string): void {
    let total = this.bytes;
    for (const [scope, set] of this.entries) {
      if (total <= this.maxBytes) break;
      if (scope === keep) continue;
      this.entries.delete(scope);
      total -= set.bytes;
    }
  }
}
