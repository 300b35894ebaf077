import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Llm } from '../llm/types.ts';
import type { VectorCache } from '../vectors/vector-index.ts';
import { normalize } from '../vectors/vectors.ts';
import { citationIdOf } from './citation.ts';
import { commonLimit, ftsTerms, matchAny, planMatch } from './fts-query.ts';
import { reciprocalRankFusion } from './fusion.ts';
import type { ChunkRow, KnowledgeStore } from './knowledge-store.ts';
import { createTermCounts } from './term-counts.ts';
import type { KnowledgeHit, LibraryScope } from './types.ts';

/** Tuning of hybrid search. */
export interface SearchOptions {
  /** Candidates each half contributes to the fusion. */
  candidates: number;
  /** Vector hits below this cosine are not candidates (an unrelated library returns nothing, not its nearest noise). */
  minVectorScore: number;
  /** The query's embedding is given up after this long (keyword results still count). */
  queryEmbedTimeoutMs: number;
  /**
   * A term in more of the library's passages than this (or than half of them, see commonLimit) is "common": while
   * rarer terms are in the query it is left out of the keyword half (its bm25 weight is small, its postings many),
   * else passages must hold every common term.
   */
  commonTermPassages: number;
  /** At most about this many passages are ranked by bm25: the rarest terms first (planMatch). */
  rankBudget: number;
}

export const DEFAULT_SEARCH: SearchOptions = {
  candidates: 40,
  minVectorScore: 0.3,
  queryEmbedTimeoutMs: 3000,
  commonTermPassages: 2000,
  rankBudget: 4000,
};

/** The stored passage as a hit. */
export function hitOf(row: ChunkRow, score: number): KnowledgeHit {
  return {
    citationId: citationIdOf(row.documentId, row.seq),
    documentId: row.documentId,
    title: row.title,
    ...(row.page !== undefined ? { page: row.page } : {}),
    ...(row.heading !== undefined ? { heading: row.heading } : {}),
    text: row.text,
    score,
  };
}

/** Which halves ran (the bench compares them); hybrid is the default. */
export type SearchMode = 'hybrid' | 'keyword' | 'vector';

/**
 * Hybrid search in one library: the keyword half (FTS5 bm25 over a sanitised query) and the vector half (the
 * library's int8 vectors in the shared VectorCache) run side by side and are fused by reciprocal rank. Either half
 * failing leaves the other; an FTS5 error never reaches the caller.
 */
export function createSearch(deps: {
  store: KnowledgeStore;
  llm: Llm;
  cache: VectorCache;
  log: Logger;
  dims: number;
  options: SearchOptions;
}) {
  const { store, cache, log, options } = deps;
  const termCounts = createTermCounts(store);

  async function keywordIds(scope: LibraryScope, query: string): Promise<number[]> {
    const terms = ftsTerms(query);
    if (terms.length === 0) return [];
    try {
      const stamp = await store.libraryStamp(scope);
      const passages = stamp.passages;
      if (passages === 0) return [];
      const common = commonLimit(passages, options.commonTermPassages);
      // One term: "any" and "all" are the same expression, no need to count.
      const counts = terms.length === 1 ? [1] : await termCounts.counts(scope, stamp, terms, common + 1);
      const match = planMatch(terms, counts, common, options.rankBudget);
      if (!match) return [];
      const ids = await store.keyword(scope, match, options.candidates);
      // Every term common, and no passage holds them all: in a small library, any of them (cheap there).
      const present = terms.filter((_, i) => (counts[i] ?? 0) > 0);
      if (ids.length === 0 && present.length > 1 && passages <= options.commonTermPassages) {
        return await store.keyword(scope, matchAny(present), options.candidates);
      }
      return ids;
    } catch (err) {
      log.warn({ err: toError(err) }, 'keyword search failed');
      return [];
    }
  }

  async function queryVector(query: string, signal?: AbortSignal): Promise<Float32Array | undefined> {
    // As memory's recall query: a real-time bound on the embedding call (AbortSignal.timeout).
    const timeout = AbortSignal.timeout(options.queryEmbedTimeoutMs);
    try {
      const [v] = await deps.llm.embed([query.slice(0, 2000)], {
        task: 'RETRIEVAL_QUERY',
        dimensions: deps.dims,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      return v && v.length === deps.dims ? normalize(v) : undefined;
    } catch (err) {
      signal?.throwIfAborted();
      log.warn({ err: toError(err) }, 'query embedding failed; keyword search only');
      return undefined;
    }
  }

  async function vectorIds(scope: LibraryScope, query: string, signal?: AbortSignal): Promise<number[]> {
    const [q, set] = await Promise.all([queryVector(query, signal), cache.get(scope)]);
    if (!q || set.size === 0) return [];
    return set.search(q, options.candidates, { minScore: options.minVectorScore }).map((h) => h.id);
  }

  return {
    async search(
      scope: LibraryScope,
      query: string,
      opts: { limit?: number; signal?: AbortSignal; mode?: SearchMode } = {},
    ): Promise<KnowledgeHit[]> {
      const limit = Math.max(1, Math.min(50, opts.limit ?? 5));
      const mode = opts.mode ?? 'hybrid';
      if (query.trim() === '') return [];
      const [kw, vec] = await Promise.all([
        mode === 'vector' ? [] : keywordIds(scope, query),
        mode === 'keyword' ? [] : vectorIds(scope, query, opts.signal),
      ]);
      const fused = reciprocalRankFusion([kw, vec]);
      const hits: KnowledgeHit[] = [];
      // Read the best `limit` passages; a few more only when some were not readable (deleted meanwhile).
      for (let from = 0; from < fused.length && hits.length < limit; ) {
        const batch = fused.slice(from, from + (from === 0 ? limit : limit * 2));
        from += batch.length;
        const rows = await store.chunks(
          scope,
          batch.map((f) => f.id),
        );
        for (const f of batch) {
          const row = rows.get(f.id);
          if (row) hits.push(hitOf(row, f.score));
          if (hits.length === limit) break;
        }
      }
      return hits;
    },
  };
}
