/**
 * Pure rules of the fact store: time decay, scoring against int8 embedding codes, supersede and duplicate
 * detection, tombstone matching, ranking and paging. No I/O; facts.ts applies them to stored rows.
 */
import { DUPLICATE_THRESHOLD, type Fact, type FactRecord, type FactSource, SUPERSEDE_THRESHOLD } from './fact.ts';
import { normalizeForMatch } from './text.ts';
import { cosine } from '../vectors/vectors.ts';

const DAY_MS = 86_400_000;

/** Confidence after time decay: halves every `halfLifeDays` (twice as slowly for facts the user asked to keep). */
export function decayedConfidence(
  fact: { confidence: number; confirmedAt: number; source: string },
  now: number,
  halfLifeDays: number,
): number {
  const age = Math.max(0, now - fact.confirmedAt);
  const halfLifeMs = halfLifeDays * DAY_MS;
  const half = fact.source === 'explicit' ? halfLifeMs * 2 : halfLifeMs;
  return fact.confidence * 0.5 ** (age / half);
}

/**
 * Facts confirmed after this time cannot have decayed below `floor` yet (confidence never exceeds 1, so nothing
 * confirmed within log2(1 / floor) half-lives has faded).
 */
export function pruneCutoff(now: number, halfLifeDays: number, floor: number): number {
  return now - halfLifeDays * DAY_MS * Math.log2(1 / Math.max(floor, 1e-9));
}

/** L2 norm of a vector. */
export function vectorNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  return Math.sqrt(s);
}

/** Cosine of a float query (with its norm) and a record's int8 embedding; 0 when either is missing. */
export function scoreRecord(q: Float32Array, qNorm: number, f: Pick<FactRecord, 'codes' | 'norm'>): number {
  const c = f.codes;
  if (!c || f.norm === 0 || qNorm === 0 || c.length !== q.length) return 0;
  let a = 0;
  let b = 0;
  let i = 0;
  const n = c.length;
  for (; i + 1 < n; i += 2) {
    a += (q[i] as number) * (c[i] as number);
    b += (q[i + 1] as number) * (c[i + 1] as number);
  }
  if (i < n) a += (q[i] as number) * (c[i] as number);
  return (a + b) / (qNorm * f.norm);
}

/** Approximate bytes a cached record holds. */
export function recordBytes(f: FactRecord): number {
  return 160 + (f.codes?.byteLength ?? 0) + 2 * (f.text.length + f.id.length + f.scope.length);
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** (created_at, id) order, the order active facts are kept in. */
export function byCreated(a: FactRecord, b: FactRecord): number {
  return a.createdAt - b.createdAt || byId(a, b);
}

/** The public view of a record, with its decayed confidence. */
export function toFact(f: FactRecord, effectiveConfidence: number): Fact {
  return {
    id: f.id,
    scope: f.scope,
    userId: f.userId,
    chatId: f.chatId,
    text: f.text,
    category: f.category,
    confidence: f.confidence,
    effectiveConfidence,
    source: f.source,
    createdAt: f.createdAt,
    confirmedAt: f.confirmedAt,
    ...(f.deletedAt === undefined ? {} : { deletedAt: f.deletedAt }),
  };
}

/** Existing facts the extractor's `supersedes` text points at: same meaning (cosine ≥ 0.8) or same text. */
export function supersededFacts(
  existing: FactRecord[],
  supersedes: string,
  supVec: Float32Array | undefined,
): FactRecord[] {
  const supNorm = normalizeForMatch(supersedes);
  const supQ = supVec ? vectorNorm(supVec) : 0;
  return existing.filter((f) => {
    const byVec = supVec ? scoreRecord(supVec, supQ, f) >= SUPERSEDE_THRESHOLD : false;
    return byVec || normalizeForMatch(f.text) === supNorm;
  });
}

/**
 * The existing fact a new one duplicates (cosine ≥ 0.85, or the same text when either has no embedding), best
 * match first; facts in `skip` (being superseded) are never duplicates.
 */
export function duplicateOf(
  existing: FactRecord[],
  skip: Set<string>,
  text: string,
  vec: Float32Array | undefined,
): FactRecord | undefined {
  const textNorm = normalizeForMatch(text);
  const vecNorm = vec ? vectorNorm(vec) : 0;
  let duplicate: FactRecord | undefined;
  let best = -1;
  for (const f of existing) {
    if (skip.has(f.id)) continue;
    const score = vec && f.codes ? scoreRecord(vec, vecNorm, f) : normalizeForMatch(f.text) === textNorm ? 1 : 0;
    if (score >= DUPLICATE_THRESHOLD && score > best) {
      best = score;
      duplicate = f;
    }
  }
  return duplicate;
}

/** Confidence of a new fact: explicit ones start certain. */
export function initialConfidence(source: FactSource): number {
  return source === 'explicit' ? 1 : 0.9;
}

/** Confidence and source of a duplicate after it was confirmed again (a confirmation lifts it by 0.1, up to 1). */
export function confirmed(
  duplicateEffective: number,
  duplicateSource: FactSource,
  inputSource: FactSource,
): { confidence: number; source: FactSource } {
  return {
    confidence: Math.min(1, Math.max(duplicateEffective, initialConfidence(inputSource)) + 0.1),
    source: duplicateSource === 'explicit' || inputSource === 'explicit' ? 'explicit' : 'extracted',
  };
}

/** Whether `text` (or its embedding) matches a tombstone: same text, one containing the other, or cosine ≥ 0.85. */
export function matchesTombstone(
  tombstones: { text: string; vec: Float32Array | undefined }[],
  text: string,
  vec: Float32Array | undefined,
): boolean {
  const norm = normalizeForMatch(text);
  for (const tomb of tombstones) {
    const t = normalizeForMatch(tomb.text);
    if (t === norm || (t.length >= 8 && norm.includes(t)) || (norm.length >= 8 && t.includes(norm))) return true;
    if (vec && tomb.vec && cosine(vec, tomb.vec) >= DUPLICATE_THRESHOLD) return true;
  }
  return false;
}

/** Records scoring at least `minScore` against `query`, best first (passing `keep`, when given). */
export function rankRecords(
  list: FactRecord[],
  query: Float32Array,
  options: { limit: number; minScore: number; keep?: (f: FactRecord) => boolean },
): { f: FactRecord; score: number }[] {
  const qNorm = vectorNorm(query);
  const hits: { f: FactRecord; score: number }[] = [];
  for (const f of list) {
    const score = scoreRecord(query, qNorm, f);
    if (score < options.minScore) continue;
    if (options.keep && !options.keep(f)) continue;
    hits.push({ f, score });
  }
  hits.sort((a, b) => b.score - a.score);
  return hits.slice(0, Math.max(0, options.limit));
}

/** Records matching a phrase by meaning (cosine) or by containing it (score 1), at least `minScore`, best first. */
export function matchRecords(
  list: FactRecord[],
  query: string,
  queryVec: Float32Array | undefined,
  minScore: number,
): FactRecord[] {
  const q = normalizeForMatch(query);
  const qNorm = queryVec ? vectorNorm(queryVec) : 0;
  const scored: { f: FactRecord; s: number }[] = [];
  for (const f of list) {
    const textHit = q.length >= 3 && normalizeForMatch(f.text).includes(q) ? 1 : 0;
    const vecHit = queryVec ? scoreRecord(queryVec, qNorm, f) : 0;
    const s = Math.max(textHit, vecHit);
    if (s >= minScore) scored.push({ f, s });
  }
  scored.sort((a, b) => b.s - a.s);
  return scored.map((x) => x.f);
}

/** One page of records, newest confirmation first (then by id). */
export function pageOf(list: FactRecord[], offset: number, limit: number): FactRecord[] {
  const sorted = [...list].sort((a, b) => b.confirmedAt - a.confirmedAt || byId(a, b));
  const from = Math.max(0, offset);
  return sorted.slice(from, from + Math.max(0, limit));
}

/** `list` (in created order) without `removedIds`, with `upsert` replacing or joining it in order. */
export function withUpsert(list: FactRecord[], removedIds: string[], upsert: FactRecord): FactRecord[] {
  const removed = new Set([...removedIds, upsert.id]);
  const out = list.filter((f) => !removed.has(f.id));
  let pos = out.length;
  while (pos > 0 && byCreated(out[pos - 1] as FactRecord, upsert) > 0) pos--;
  out.splice(pos, 0, upsert);
  return out;
}
