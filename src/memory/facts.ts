import { z } from 'zod';
import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Statement, Store, WriteTx } from '../store/db.ts';
import { looksLikeInjection } from './injection.ts';
import { clip, normalizeForMatch } from './text.ts';
import { cosine, decodeVector, encodeVector, vectorFromBlob } from './vectors.ts';

export const FACT_CATEGORIES = [
  'personal',
  'preference',
  'work',
  'habit',
  'relationship',
  'health',
  'goal',
  'other',
] as const;
export const factCategorySchema = z.enum(FACT_CATEGORIES);
export type FactCategory = z.infer<typeof factCategorySchema>;

/** Longest fact text kept, in characters. */
export const MAX_FACT_LENGTH = 200;
/** Cosine at or above which a new fact is the same as an existing one (merged). */
export const DUPLICATE_THRESHOLD = 0.85;
/** Cosine at or above which the extractor's `supersedes` text matches an existing fact (replaced). */
export const SUPERSEDE_THRESHOLD = 0.8;

/** A stored fact about a user, in one scope. */
export interface Fact {
  id: string;
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  /** Confidence when last confirmed (0..1). */
  confidence: number;
  /** Confidence after time decay, as of now. */
  effectiveConfidence: number;
  source: 'extracted' | 'explicit';
  createdAt: number;
  confirmedAt: number;
  /** Set while a forgotten fact waits out its Undo window (it is hidden from everything but Undo). */
  deletedAt?: number;
}

export type AddFactResult =
  | { status: 'added' | 'merged'; fact: Fact; superseded: Fact[] }
  | { status: 'rejected'; reason: 'empty' | 'injection' | 'forgotten' };

export interface FactInput {
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  source: 'extracted' | 'explicit';
  supersedes?: string;
  sourceMessageId?: number;
}

/** Embeds texts for fact comparison; returns undefined when the embedding service is unavailable. */
export type FactEmbedder = (texts: string[]) => Promise<Float32Array[] | undefined>;

const FACT_COLUMNS =
  'id, scope, user_id, chat_id, text, category, confidence, source, created_at, confirmed_at, embedding, deleted_at';

/** A stored fact as the cache keeps it: raw confidence plus the int8 embedding codes (never decoded to floats). */
interface FactRecord {
  id: string;
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  confidence: number;
  source: 'extracted' | 'explicit';
  createdAt: number;
  confirmedAt: number;
  deletedAt: number | undefined;
  codes: Int8Array | undefined;
  /** L2 norm of `codes` (0 without an embedding); cosine(q, codes × scale) = dot(q, codes) / (|q| × norm). */
  norm: number;
}

/** A scope's active facts in (created_at, id) order, labelled with the `memory_fact_versions` value they reflect. */
interface ScopeEntry {
  version: number;
  list: FactRecord[];
  bytes: number;
}

function toRecord(r: Record<string, unknown>): FactRecord {
  const category = factCategorySchema.safeParse(r.category);
  const decoded = r.embedding == null ? undefined : decodeVector(r.embedding);
  let norm = 0;
  if (decoded) {
    const c = decoded.codes;
    let s = 0;
    for (let i = 0; i < c.length; i++) s += (c[i] as number) * (c[i] as number);
    norm = Math.sqrt(s);
  }
  return {
    id: String(r.id),
    scope: String(r.scope),
    userId: Number(r.user_id),
    chatId: Number(r.chat_id),
    text: String(r.text),
    category: category.success ? category.data : 'other',
    confidence: Number(r.confidence),
    source: r.source === 'explicit' ? 'explicit' : 'extracted',
    createdAt: Number(r.created_at),
    confirmedAt: Number(r.confirmed_at),
    deletedAt: r.deleted_at == null ? undefined : Number(r.deleted_at),
    codes: decoded?.codes,
    norm,
  };
}

function recordBytes(f: FactRecord): number {
  return 160 + (f.codes?.byteLength ?? 0) + 2 * (f.text.length + f.id.length + f.scope.length);
}

/** Cosine of a float query (with its norm) and a record's int8 embedding; 0 when either is missing. */
function scoreRecord(q: Float32Array, qNorm: number, f: FactRecord): number {
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

function norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  return Math.sqrt(s);
}

/** (created_at, id) order, the order `active` returns. */
function byCreated(a: FactRecord, b: FactRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Default upper bound of the in-process fact cache across scopes (LRU). */
export const FACT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Fact storage with dedup, supersede, tombstones and time decay (half-life, computed at read time).
 *
 * Active facts are cached per scope in process (text, metadata and int8 embedding codes). Every read first checks
 * the scope's version in `memory_fact_versions`, which triggers on `memory_facts` bump on any insert, update or
 * delete from any process, so a cached scope is never used once another writer changed it. This process's own
 * `add` updates the cached scope in place when no one else wrote in between.
 */
export function createFacts(deps: {
  store: Store;
  clock: Clock;
  ids: IdGen;
  log: Logger;
  embed: FactEmbedder;
  halfLifeDays: number;
  cacheMaxBytes?: number;
}) {
  const { store, clock, ids, log, embed } = deps;
  const halfLifeMs = deps.halfLifeDays * 86_400_000;
  const cacheMaxBytes = deps.cacheMaxBytes ?? FACT_CACHE_MAX_BYTES;
  const cache = new Map<string, ScopeEntry>();

  function effective(confidence: number, confirmedAt: number, source: string): number {
    const age = Math.max(0, clock.now() - confirmedAt);
    // Facts the user explicitly asked to keep fade half as fast.
    const half = source === 'explicit' ? halfLifeMs * 2 : halfLifeMs;
    return confidence * 0.5 ** (age / half);
  }

  function toFact(f: FactRecord): Fact {
    return {
      id: f.id,
      scope: f.scope,
      userId: f.userId,
      chatId: f.chatId,
      text: f.text,
      category: f.category,
      confidence: f.confidence,
      effectiveConfidence: effective(f.confidence, f.confirmedAt, f.source),
      source: f.source,
      createdAt: f.createdAt,
      confirmedAt: f.confirmedAt,
      ...(f.deletedAt === undefined ? {} : { deletedAt: f.deletedAt }),
    };
  }

  async function versionOf(scope: string, tx?: WriteTx): Promise<number> {
    const sql = 'SELECT version FROM memory_fact_versions WHERE scope = ?';
    const row = tx ? (await tx.query(sql, [scope]))[0] : await store.get(sql, [scope]);
    return row ? Number(row.version) : 0;
  }

  function remember(scope: string, entry: ScopeEntry): void {
    cache.delete(scope);
    cache.set(scope, entry);
    let total = 0;
    for (const e of cache.values()) total += e.bytes;
    for (const [key, e] of cache) {
      if (total <= cacheMaxBytes) break;
      if (key === scope) continue;
      cache.delete(key);
      total -= e.bytes;
    }
  }

  /** The scope's active facts, oldest first, from the cache when its version is current. */
  async function records(scope: string): Promise<FactRecord[]> {
    // Version first, rows second: rows read later can only be newer than the label, never older.
    const version = await versionOf(scope);
    const hit = cache.get(scope);
    if (hit && hit.version === version) {
      cache.delete(scope);
      cache.set(scope, hit);
      return hit.list;
    }
    const rows = await store.query(
      `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE scope = ? AND superseded_at IS NULL AND deleted_at IS NULL ORDER BY created_at, id`,
      [scope],
    );
    const list = rows.map(toRecord);
    let bytes = 0;
    for (const f of list) bytes += recordBytes(f);
    remember(scope, { version, list, bytes });
    return list;
  }

  async function active(scope: string): Promise<Fact[]> {
    return (await records(scope)).map(toFact);
  }

  async function getMany(idList: string[]): Promise<Fact[]> {
    if (idList.length === 0) return [];
    const rows = await store.query(
      `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id IN (${idList.map(() => '?').join(',')})`,
      idList,
    );
    return rows.map((r) => toFact(toRecord(r)));
  }

  async function tombstoned(scope: string, text: string, vec: Float32Array | undefined): Promise<boolean> {
    const rows = await store.query('SELECT text, embedding FROM memory_tombstones WHERE scope = ?', [scope]);
    const norm = normalizeForMatch(text);
    for (const r of rows) {
      const t = normalizeForMatch(String(r.text));
      if (t === norm || (t.length >= 8 && norm.includes(t)) || (norm.length >= 8 && t.includes(norm))) return true;
      const tv = r.embedding == null ? undefined : vectorFromBlob(r.embedding);
      if (vec && tv && cosine(vec, tv) >= DUPLICATE_THRESHOLD) return true;
    }
    return false;
  }

  /**
   * Applies this process's own write to the cached scope if the cache reflected exactly the state before it
   * (`before`); otherwise drops the scope so the next read reloads. Idempotent, so a concurrent reload that
   * already saw the write is harmless.
   */
  function applyOwnWrite(scope: string, before: number, after: number, removedIds: string[], upsert: FactRecord): void {
    const entry = cache.get(scope);
    if (!entry) return;
    if (entry.version !== before) {
      cache.delete(scope);
      return;
    }
    const removed = new Set([...removedIds, upsert.id]);
    const list = entry.list.filter((f) => !removed.has(f.id));
    let pos = list.length;
    while (pos > 0 && byCreated(list[pos - 1] as FactRecord, upsert) > 0) pos--;
    list.splice(pos, 0, upsert);
    let bytes = 0;
    for (const f of list) bytes += recordBytes(f);
    remember(scope, { version: after, list, bytes });
  }

  return {
    effective,

    /** Non-superseded facts of a scope, oldest first, with decayed confidence. */
    active,

    /**
     * Active facts of a scope ranked by cosine to `queryVec` (int8 codes scored directly, no decoding), best first:
     * those with decayed confidence ≥ `minConfidence` and cosine ≥ `minScore`, at most `limit`. Facts only become
     * objects once they made the cut.
     */
    async ranked(
      scope: string,
      queryVec: Float32Array,
      options: { limit: number; minScore: number; minConfidence?: number },
    ): Promise<{ fact: Fact; score: number }[]> {
      const list = await records(scope);
      const qNorm = norm(queryVec);
      const minConfidence = options.minConfidence ?? -1;
      const hits: { f: FactRecord; score: number }[] = [];
      for (const f of list) {
        const score = scoreRecord(queryVec, qNorm, f);
        if (score < options.minScore) continue;
        if (minConfidence > 0 && effective(f.confidence, f.confirmedAt, f.source) < minConfidence) continue;
        hits.push({ f, score });
      }
      hits.sort((a, b) => b.score - a.score);
      return hits.slice(0, Math.max(0, options.limit)).map((h) => ({ fact: toFact(h.f), score: h.score }));
    },

    /**
     * Validates, filters and stores a fact: refuses injection-like or forgotten text, supersedes matching old facts,
     * merges near-duplicates (cosine ≥ 0.85) and otherwise inserts.
     */
    async add(input: FactInput): Promise<AddFactResult> {
      const text = clip(input.text, MAX_FACT_LENGTH);
      if (text.length < 3) return { status: 'rejected', reason: 'empty' };
      if (looksLikeInjection(text) || (input.supersedes && looksLikeInjection(input.supersedes))) {
        return { status: 'rejected', reason: 'injection' };
      }
      const supersedes = input.supersedes ? clip(input.supersedes, MAX_FACT_LENGTH) : undefined;
      const vecs = await embed(supersedes ? [text, supersedes] : [text]);
      const vec = vecs?.[0];
      const supVec = vecs?.[1];

      if (input.source === 'explicit') {
        // The user asked for this explicitly: lift any earlier "forget" of the same thing.
        await store.run('DELETE FROM memory_tombstones WHERE scope = ? AND text = ?', [input.scope, text]);
      } else if (await tombstoned(input.scope, text, vec)) {
        return { status: 'rejected', reason: 'forgotten' };
      }

      const now = clock.now();
      const existing = await records(input.scope);
      const statements: Statement[] = [];
      const superseded: FactRecord[] = [];
      const newId = ids();
      if (supersedes) {
        const supNorm = normalizeForMatch(supersedes);
        const supQ = supVec ? norm(supVec) : 0;
        for (const f of existing) {
          const byVec = supVec ? scoreRecord(supVec, supQ, f) >= SUPERSEDE_THRESHOLD : false;
          if (byVec || normalizeForMatch(f.text) === supNorm) superseded.push(f);
        }
      }
      const supersededIds = new Set(superseded.map((f) => f.id));
      const textNorm = normalizeForMatch(text);
      const vecNorm = vec ? norm(vec) : 0;
      let duplicate: FactRecord | undefined;
      let best = -1;
      for (const f of existing) {
        if (supersededIds.has(f.id)) continue;
        const score = vec && f.codes ? scoreRecord(vec, vecNorm, f) : normalizeForMatch(f.text) === textNorm ? 1 : 0;
        if (score >= DUPLICATE_THRESHOLD && score > best) {
          best = score;
          duplicate = f;
        }
      }
      const targetId = duplicate?.id ?? newId;
      for (const f of superseded) {
        statements.push({
          sql: 'UPDATE memory_facts SET superseded_by = ?, superseded_at = ?, updated_at = ? WHERE id = ?',
          args: [targetId, now, now, f.id],
        });
      }
      const blob = vec ? encodeVector(vec) : null;
      if (duplicate) {
        const confidence = Math.min(
          1,
          Math.max(
            effective(duplicate.confidence, duplicate.confirmedAt, duplicate.source),
            input.source === 'explicit' ? 1 : 0.9,
          ) + 0.1,
        );
        const source = duplicate.source === 'explicit' || input.source === 'explicit' ? 'explicit' : 'extracted';
        statements.push({
          sql: `UPDATE memory_facts SET text = ?, category = ?, confidence = ?, source = ?, embedding = COALESCE(?, embedding),
                confirmed_at = ?, updated_at = ? WHERE id = ?`,
          args: [text, input.category, confidence, source, blob, now, now, duplicate.id],
        });
      } else {
        statements.push({
          sql: `INSERT INTO memory_facts (id, scope, user_id, chat_id, text, category, confidence, source, source_message_id,
                embedding, created_at, confirmed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          args: [
            newId,
            input.scope,
            input.userId,
            input.chatId,
            text,
            input.category,
            input.source === 'explicit' ? 1 : 0.9,
            input.source,
            input.sourceMessageId ?? null,
            blob,
            now,
            now,
            now,
          ],
        });
      }
      const { row, before, after } = await store.write(async (tx) => {
        const before = await versionOf(input.scope, tx);
        for (const s of statements) await tx.run(s.sql, s.args);
        const row = (await tx.query(`SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id = ?`, [targetId]))[0];
        return { row, before, after: await versionOf(input.scope, tx) };
      });
      if (!row) throw new Error(`fact ${targetId} vanished after write`);
      const record = toRecord(row);
      applyOwnWrite(input.scope, before, after, [...supersededIds], record);
      if (superseded.length > 0) {
        log.info({ scope: input.scope, factId: targetId, superseded: superseded.map((f) => f.id) }, 'fact superseded');
      }
      return { status: duplicate ? 'merged' : 'added', fact: toFact(record), superseded: superseded.map(toFact) };
    },

    async get(id: string): Promise<Fact | undefined> {
      const row = await store.get(`SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id = ?`, [id]);
      return row ? toFact(toRecord(row)) : undefined;
    },

    getMany,

    /** One page of a scope's active facts, newest first (by confirmation, then id). */
    async page(scope: string, offset: number, limit: number): Promise<{ facts: Fact[]; total: number }> {
      const list = await records(scope);
      const sorted = [...list].sort(
        (a, b) => b.confirmedAt - a.confirmedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
      return {
        facts: sorted.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, limit)).map(toFact),
        total: list.length,
      };
    },

    /**
     * Deletes facts owned by `userId` (including the versions they superseded) and records tombstones so the same
     * text is not learned again. Returns the facts deleted.
     */
    async remove(userId: number, factIds: string[]): Promise<Fact[]> {
      if (factIds.length === 0) return [];
      const rows = (
        await store.query(
          `SELECT ${FACT_COLUMNS} FROM memory_facts WHERE id IN (${factIds.map(() => '?').join(',')})`,
          factIds,
        )
      ).filter((r) => Number(r.user_id) === userId);
      if (rows.length === 0) return [];
      const now = clock.now();
      const statements: Statement[] = [];
      for (const r of rows) {
        const blob =
          r.embedding instanceof ArrayBuffer
            ? new Uint8Array(r.embedding)
            : r.embedding instanceof Uint8Array
              ? r.embedding
              : null;
        statements.push({
          sql: 'INSERT INTO memory_tombstones (scope, user_id, text, embedding, created_at) VALUES (?, ?, ?, ?, ?)',
          args: [String(r.scope), userId, String(r.text), blob, now],
        });
        statements.push({
          sql: 'DELETE FROM memory_facts WHERE superseded_by = ? AND user_id = ?',
          args: [String(r.id), userId],
        });
        statements.push({ sql: 'DELETE FROM memory_facts WHERE id = ? AND user_id = ?', args: [String(r.id), userId] });
      }
      await store.batch(statements);
      return rows.map((r) => toFact(toRecord(r)));
    },

    /** Facts of a scope matching `query` by meaning (cosine ≥ `minScore`) or by text, best first. */
    async matching(
      scope: string,
      query: string,
      queryVec: Float32Array | undefined,
      minScore: number,
    ): Promise<Fact[]> {
      const q = normalizeForMatch(query);
      const qNorm = queryVec ? norm(queryVec) : 0;
      const scored: { f: FactRecord; s: number }[] = [];
      for (const f of await records(scope)) {
        const t = normalizeForMatch(f.text);
        const textHit = q.length >= 3 && t.includes(q) ? 1 : 0;
        const vecHit = queryVec ? scoreRecord(queryVec, qNorm, f) : 0;
        const s = Math.max(textHit, vecHit);
        if (s >= minScore) scored.push({ f, s });
      }
      scored.sort((a, b) => b.s - a.s);
      return scored.map((x) => toFact(x.f));
    },

    /** Embeds facts stored while the embedding service was down. */
    async backfillEmbeddings(limit: number): Promise<number> {
      const rows = await store.query('SELECT id, text FROM memory_facts WHERE embedding IS NULL LIMIT ?', [limit]);
      if (rows.length === 0) return 0;
      const vecs = await embed(rows.map((r) => String(r.text)));
      if (!vecs) return 0;
      await store.batch(
        rows.map((r, i) => ({
          sql: 'UPDATE memory_facts SET embedding = ? WHERE id = ? AND embedding IS NULL',
          args: [encodeVector(vecs[i] as Float32Array), String(r.id)],
        })),
      );
      return rows.length;
    },

    /** Deletes extracted facts whose decayed confidence fell below `floor`. */
    async prune(floor: number): Promise<number> {
      // Confidence never exceeds 1, so nothing confirmed within log2(1 / floor) half-lives can have faded yet.
      const cutoff = clock.now() - halfLifeMs * Math.log2(1 / Math.max(floor, 1e-9));
      const rows = await store.query(
        "SELECT id, confidence, confirmed_at FROM memory_facts WHERE source = 'extracted' AND confirmed_at <= ?",
        [cutoff],
      );
      const dead = rows
        .filter((r) => effective(Number(r.confidence), Number(r.confirmed_at), 'extracted') < floor)
        .map((r) => String(r.id));
      if (dead.length === 0) return 0;
      await store.batch(dead.map((id) => ({ sql: 'DELETE FROM memory_facts WHERE id = ?', args: [id] })));
      return dead.length;
    },

    /** Drops every cached scope (after bulk deletes such as a user wipe). */
    clearCache(): void {
      cache.clear();
    },

    /** Bytes held by the fact cache. */
    cacheBytes(): number {
      let total = 0;
      for (const e of cache.values()) total += e.bytes;
      return total;
    },
  };
}

export type Facts = ReturnType<typeof createFacts>;
