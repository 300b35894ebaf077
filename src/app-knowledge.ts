import type { Config } from './config/load.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import { createKnowledgeBase, type KnowledgeService } from './knowledge/knowledge.ts';
import type { KnowledgeLimits } from './knowledge/limits.ts';
import type { Llm } from './llm/types.ts';
import type { Store } from './store/db.ts';

/** The limits set in the environment (KNOWLEDGE_MAX_*); the rest keep src/knowledge/limits.ts's defaults. */
export function knowledgeLimitsFrom(env: Config['env']): Partial<KnowledgeLimits> {
  return {
    ...(env.KNOWLEDGE_MAX_FILE_MB !== undefined ? { maxFileBytes: env.KNOWLEDGE_MAX_FILE_MB * 1024 * 1024 } : {}),
    ...(env.KNOWLEDGE_MAX_PAGES !== undefined ? { maxPages: env.KNOWLEDGE_MAX_PAGES } : {}),
    ...(env.KNOWLEDGE_MAX_CHUNKS !== undefined ? { maxChunksPerDocument: env.KNOWLEDGE_MAX_CHUNKS } : {}),
    ...(env.KNOWLEDGE_MAX_DOCUMENTS !== undefined ? { maxDocumentsPerUser: env.KNOWLEDGE_MAX_DOCUMENTS } : {}),
  };
}

/**
 * The knowledge base, wired: documents and links per library, hybrid search, background embedding. The Telegram
 * features and the knowledge tools get it from `app.knowledge`; /wipe and /export cover it through privacy.
 */
export function createKnowledgeFeature(deps: {
  config: Config;
  store: Store;
  llm: Llm;
  clock: Clock;
  log: Logger;
}): KnowledgeService {
  return createKnowledgeBase({
    store: deps.store,
    llm: deps.llm,
    clock: deps.clock,
    log: deps.log.child({ module: 'knowledge' }),
    config: {
      limits: knowledgeLimitsFrom(deps.config.env),
      cacheMaxBytes: deps.config.env.VECTOR_CACHE_MB * 256 * 1024,
    },
  });
}

/**
 * The app with its knowledge base: `app.knowledge`, started after the rest (the start-up sweep, then embedding of
 * passages a restart left without vectors) and closed first at shutdown (passages left unembedded resume next start).
 */
export function withKnowledge<A extends { start(): Promise<R>; stop(): Promise<void> }, R>(
  knowledge: KnowledgeService,
  app: A,
): A & { knowledge: KnowledgeService } {
  return {
    ...app,
    knowledge,
    async start(): Promise<R> {
      const started = await app.start();
      await knowledge.start();
      return started;
    },
    async stop(): Promise<void> {
      try {
        await knowledge.close();
      } finally {
        await app.stop();
      }
    },
  };
}
