import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Store } from '../store/db.ts';
import type { AddFactResult, Fact, FactEmbedder, FactInput, FactRecord } from './fact.ts';
import { MAX_FACT_LENGTH } from './fact.ts';
import { rankIndexed } from './fact-index.ts';
import { createFactCache } from './fact-cache.ts';
import {
  confirmed,
  decayedConfidence,
  duplicateOf,
  initialConfidence,
  matchesTombstone,
  matchRecords,
  pageOf,
  pruneCutoff,
  rankRecords,
  supersededFacts,
  toFact,
} from './fact-rules.ts';
import { createFactStore } from './fact-store.ts';
import { looksLikeInjection } from './injection.ts';
import { clip } from './text.ts';
import { encodeVector } from '../vectors/vectors.ts';

export type { AddFactResult, Fact, FactCategory, FactEmbedder, FactInput } from './fact.ts';
export {
  DUPLICATE_THRESHOLD,
  FACT_CATEGORIES,
  factCategorySchema,
  MAX_FACT_LENGTH,
  SUPERSEDE_THRESHOLD,
} from './fact.ts';

/** Default upper bound of the in-process fact cache across scopes (LRU). */
export const FACT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** Why a candidate fact is refused before anything is stored, or its clipped text and `supersedes`. */
function screen(input: FactInput): { text: string; supersedes?: string } | { reason: 'empty' | 'injection' } {
  const text = clip(input.text, MAX_FACT_LENGTH);
  if (text.length < 3) return { reason: 'empty' };
  if (looksLikeInjection(text) || (input.supersedes && looksLikeInjection(input.supersedes))) {
    return { reason: 'injection' };
  }
  return input.supersedes ? { text, supersedes: clip(input.supersedes, MAX_FACT_LENGTH) } : { text };
}

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
  const { clock, ids, log, embed, halfLifeDays } = deps;
  const db = createFactStore(deps.store);
  const cache = createFactCache(deps.cacheMaxBytes ?? FACT_CACHE_MAX_BYTES);

  function effective(confidence: number, confirmedAt: number, source: string): number {
    return decayedConfidence({ confidence, confirmedAt, source }, clock.now(), halfLifeDays);
  }
  const fact = (f: FactRecord): Fact => toFact(f, effective(f.confidence, f.confirmedAt, f.source));

  /** The scope's active facts, oldest first, from the cache when its version is current. */
  async function records(scope: string): Promise<FactRecord[]> {
    // Version first, rows second: rows read later can only be newer than the label, never older.
    const version = await db.versionOf(scope);
    const hit = cache.get(scope, version);
    if (hit) return hit;
    const list = await db.active(scope);
    cache.set(scope, version, list);
    return list;
  }

  /** Stores a screened fact: supersedes what it replaces, merges into a duplicate or inserts. */
  async function store(input: FactInput, text: string, supersedes: string | undefined, vecs?: Float32Array[]) {
    const [vec, supVec] = vecs ?? [];
    const newId = ids();
    const existing = await records(input.scope);
    const superseded = supersedes ? supersededFacts(existing, supersedes, supVec) : [];
    const supersededIds = superseded.map((f) => f.id);
    const duplicate = duplicateOf(existing, new Set(supersededIds), text, vec);
    const merged = duplicate
      ? confirmed(
          effective(duplicate.confidence, duplicate.confirmedAt, duplicate.source),
          duplicate.source,
          input.source,
        )
      : { confidence: initialConfidence(input.source), source: input.source };
    const { record, before, after } = await db.write({
      scope: input.scope,
      now: clock.now(),
      targetId: duplicate?.id ?? newId,
      supersededIds,
      blob: vec ? encodeVector(vec) : null,
      text,
      category: input.category,
      ...merged,
      kind: duplicate ? 'update' : 'insert',
      insert: { userId: input.userId, chatId: input.chatId, sourceMessageId: input.sourceMessageId ?? null },
    });
    cache.applyOwnWrite(input.scope, before, after, supersededIds, record);
    if (superseded.length > 0) {
      log.info({ scope: input.scope, factId: record.id, superseded: supersededIds }, 'fact superseded');
    }
    return { status: duplicate ? 'merged' : 'added', fact: fact(record), superseded: superseded.map(fact) } as const;
  }

  return {
    effective,

    /** Non-superseded facts of a scope, oldest first, with decayed confidence. */
    async active(scope: string): Promise<Fact[]> {
      return (await records(scope)).map(fact);
    },

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
      const minConfidence = options.minConfidence ?? -1;
      const list = await records(scope);
      const index = cache.indexOf(scope, list);
      const rankOptions = {
        limit: options.limit,
        minScore: options.minScore,
        ...(minConfidence > 0
          ? { keep: (f: FactRecord) => effective(f.confidence, f.confirmedAt, f.source) >= minConfidence }
          : {}),
      };
      const hits = index ? rankIndexed(list, index, queryVec, rankOptions) : rankRecords(list, queryVec, rankOptions);
      return hits.map((h) => ({ fact: fact(h.f), score: h.score }));
    },

    /**
     * Validates, filters and stores a fact: refuses injection-like or forgotten text, supersedes matching old facts,
     * merges near-duplicates (cosine ≥ 0.85) and otherwise inserts.
     */
    async add(input: FactInput): Promise<AddFactResult> {
      const screened = screen(input);
      if ('reason' in screened) return { status: 'rejected', reason: screened.reason };
      const { text, supersedes } = screened;
      const vecs = await embed(supersedes ? [text, supersedes] : [text]);
      if (input.source === 'explicit') {
        // The user asked for this explicitly: lift any earlier "forget" of the same thing.
        await db.liftTombstone(input.scope, text);
      } else if (matchesTombstone(await db.tombstones(input.scope), text, vecs?.[0])) {
        return { status: 'rejected', reason: 'forgotten' };
      }
      return store(input, text, supersedes, vecs);
    },

    async get(id: string): Promise<Fact | undefined> {
      const record = await db.byId(id);
      return record ? fact(record) : undefined;
    },

    async getMany(idList: string[]): Promise<Fact[]> {
      return (await db.byIds(idList)).map(fact);
    },

    /** One page of a scope's active facts, newest first (by confirmation, then id). */
    async page(scope: string, offset: number, limit: number): Promise<{ facts: Fact[]; total: number }> {
      const list = await records(scope);
      return { facts: pageOf(list, offset, limit).map(fact), total: list.length };
    },

    /**
     * Deletes facts owned by `userId` (including the versions they superseded) and records tombstones so the same
     * text is not learned again. Returns the facts deleted.
     */
    async remove(userId: number, factIds: string[]): Promise<Fact[]> {
      return (await db.removeOwned(userId, factIds, clock.now())).map(fact);
    },

    /** Facts of a scope matching `query` by meaning (cosine ≥ `minScore`) or by text, best first. */
    async matching(
      scope: string,
      query: string,
      queryVec: Float32Array | undefined,
      minScore: number,
    ): Promise<Fact[]> {
      return matchRecords(await records(scope), query, queryVec, minScore).map(fact);
    },

    /** Embeds facts stored while the embedding service was down. */
    async backfillEmbeddings(limit: number): Promise<number> {
      const rows = await db.missingEmbeddings(limit);
      if (rows.length === 0) return 0;
      const vecs = await embed(rows.map((r) => r.text));
      if (!vecs) return 0;
      await db.saveEmbeddings(rows.map((r, i) => ({ id: r.id, blob: encodeVector(vecs[i] as Float32Array) })));
      return rows.length;
    },

    /** Deletes extracted facts whose decayed confidence fell below `floor`. */
    async prune(floor: number): Promise<number> {
      const rows = await db.extractedConfirmedBefore(pruneCutoff(clock.now(), halfLifeDays, floor));
      const dead = rows.filter((r) => effective(r.confidence, r.confirmedAt, 'extracted') < floor).map((r) => r.id);
      if (dead.length === 0) return 0;
      await db.deleteIds(dead);
      return dead.length;
    },

    /** Drops every cached scope (after bulk deletes such as a user wipe). */
    clearCache(): void {
      cache.clear();
    },

    /** Bytes held by the fact cache. */
    cacheBytes(): number {
      return cache.bytes();
    },
  };
}

export type Facts = ReturnType<typeof createFacts>;
