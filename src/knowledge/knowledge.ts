import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Llm } from '../llm/types.ts';
import type { Store } from '../store/db.ts';
import { VectorCache } from '../vectors/vector-index.ts';
import { parseCitationId } from './citation.ts';
import { createEmbeddingQueue } from './embedding-queue.ts';
import { ingestDocument } from './ingest.ts';
import { createKeywordMerge, type KeywordMergeOptions } from './keyword-merge.ts';
import { exportUserDocuments, wipeUserDocuments } from './knowledge-privacy-store.ts';
import { createKnowledgeStore } from './knowledge-store.ts';
import { type ChunkingOptions, DEFAULT_CHUNKING, DEFAULT_KNOWLEDGE_LIMITS, type KnowledgeLimits } from './limits.ts';
import { createSearch, DEFAULT_SEARCH, hitOf, type SearchMode, type SearchOptions } from './search.ts';
import type { DocumentInfo, KnowledgeBase, KnowledgeHit, LibraryScope } from './types.ts';

/** Settings of the knowledge base; every field has a default (limits: DEFAULT_KNOWLEDGE_LIMITS). */
export interface KnowledgeConfig {
  limits?: Partial<KnowledgeLimits>;
  chunking?: Partial<ChunkingOptions>;
  search?: Partial<SearchOptions>;
  /** Embedding size requested from the model (as memory's: 768). */
  embeddingDims?: number;
  /** Passages per embedding request. */
  embedBatch?: number;
  /** Upper bound of the in-process vector cache across libraries (LRU). */
  cacheMaxBytes?: number;
  /** Merging the keyword index after ingestions (keyword-merge.ts). */
  keywordMerge?: KeywordMergeOptions;
}

export interface KnowledgeDeps {
  store: Store;
  llm: Llm;
  clock: Clock;
  log: Logger;
  config?: KnowledgeConfig;
}

/** A document of a user's /export: its metadata and its text, passage by passage. */
export interface KnowledgeExportEntry extends DocumentInfo {
  passages: { page?: number; heading?: string; text: string }[];
}

/** The knowledge base with what the app around it needs: start-up, shutdown, /wipe and /export. */
export interface KnowledgeService extends KnowledgeBase {
  /** `mode` limits search to one half (the bench compares them); default hybrid. */
  search(
    scope: LibraryScope,
    query: string,
    options?: { limit?: number; signal?: AbortSignal; mode?: SearchMode },
  ): Promise<KnowledgeHit[]>;
  /**
   * Start-up: documents a crash left `ingesting` become `failed`; passages still without vectors are embedded; the
   * keyword index is merged if it is not one segment.
   */
  start(): Promise<void>;
  /**
   * Resolves when background embedding and keyword-index merging have nothing left to do (a retry waiting on its
   * backoff is not waited for).
   */
  idle(): Promise<void>;
  /** Stops background embedding and merging (waits up to `timeoutMs` for a running batch or step). */
  close(timeoutMs?: number): Promise<void>;
  /** Erases the user's own library and the documents they added to groups; returns the documents removed. */
  wipeUser(userId: number): Promise<{ documents: number }>;
  exportUser(userId: number): Promise<KnowledgeExportEntry[]>;
  readonly limits: KnowledgeLimits;
}

/** Creates the knowledge base over the store (tables of migration 022). Nothing runs until `start()`. */
export function createKnowledgeBase(deps: KnowledgeDeps): KnowledgeService {
  const { clock, log } = deps;
  const config = deps.config ?? {};
  const limits: KnowledgeLimits = { ...DEFAULT_KNOWLEDGE_LIMITS, ...config.limits };
  const chunking: ChunkingOptions = { ...DEFAULT_CHUNKING, ...config.chunking };
  const dims = config.embeddingDims ?? 768;
  const store = createKnowledgeStore(deps.store);
  const cache = new VectorCache({
    dims,
    maxBytes: config.cacheMaxBytes ?? 256 * 1024 * 1024,
    loader: (scope) => store.vectors(scope),
  });
  const embeddings = createEmbeddingQueue({
    store,
    llm: deps.llm,
    clock,
    log,
    cache,
    dims,
    batch: config.embedBatch ?? 64,
  });
  const keywordMerge = createKeywordMerge({
    store,
    clock,
    log,
    ...(config.keywordMerge ? { options: config.keywordMerge } : {}),
  });
  const searcher = createSearch({
    store,
    llm: deps.llm,
    cache,
    log,
    dims,
    options: { ...DEFAULT_SEARCH, ...config.search },
  });
  // Ingestions of this process carry this id; the start-up sweep fails only other processes' leftovers.
  const owner = randomUUID();

  return {
    limits,
    async ingest(source, onProgress, signal) {
      const outcome = await ingestDocument(
        {
          store,
          clock,
          limits,
          chunking,
          owner,
          onReadError: (err) => log.info({ err: toError(err), mime: source.mimeType }, 'document could not be read'),
        },
        source,
        onProgress,
        signal,
      );
      if (outcome.status === 'ready') {
        log.info({ documentId: outcome.document.id, chunks: outcome.document.chunks }, 'document stored');
        embeddings.schedule();
        keywordMerge.schedule();
      }
      return outcome;
    },
    search: (scope, query, options) => searcher.search(scope, query, options),
    async list(scope, page) {
      const limit = Math.max(1, Math.min(100, Math.floor(page.limit)));
      return store.list(scope, Math.max(0, Math.floor(page.offset)), limit);
    },
    get: (scope, id) => store.get(scope, id),
    async passage(scope, citationId) {
      const ref = parseCitationId(citationId);
      if (!ref) return undefined;
      const row = await store.chunkAt(scope, ref.documentId, ref.seq);
      return row ? hitOf(row, 1) : undefined;
    },
    async delete(scope, id) {
      const removed = await store.delete(scope, id);
      // The library's vectors reload from the store on its next search, without the deleted ones.
      if (removed) cache.invalidate(scope);
      return removed;
    },
    async start() {
      const failed = await store.sweepInterrupted(owner, clock.now());
      if (failed > 0) log.warn({ documents: failed }, 'documents interrupted while being read were marked failed');
      embeddings.schedule();
      // Finishes a merge a stop cut short (or an index written before merging existed); a no-op once it is one segment.
      keywordMerge.schedule();
    },
    async idle() {
      await Promise.all([embeddings.idle(), keywordMerge.idle()]);
    },
    async close(timeoutMs = 5000) {
      await Promise.all([embeddings.close(timeoutMs), keywordMerge.close(timeoutMs)]);
    },
    async wipeUser(userId) {
      const { documents, scopes } = await wipeUserDocuments(deps.store, userId);
      for (const scope of scopes) cache.invalidate(scope);
      return { documents };
    },
    async exportUser(userId) {
      return (await exportUserDocuments(deps.store, userId)).map(({ document, chunks }) => ({
        ...document,
        passages: chunks.map((c) => ({
          ...(c.page !== undefined ? { page: c.page } : {}),
          ...(c.heading !== undefined ? { heading: c.heading } : {}),
          text: c.text,
        })),
      }));
    },
  };
}
