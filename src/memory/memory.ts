import { createDueLoop, type DueLoop } from '../core/due-loop.ts';
import { toError } from '../core/errors.ts';
import { createBackgroundQueue } from './background-queue.ts';
import { createCompaction } from './compaction.ts';
import { createEmbedder } from './embedder.ts';
import { createEmbeddingBacklog } from './embedding-backlog.ts';
import { createFactExtraction } from './fact-extraction.ts';
import { createFactTrash } from './fact-trash.ts';
import { createFacts } from './facts.ts';
import { forEachWithin, pendingScopes, pendingScopesOfThread } from './flush.ts';
import { loadLastUsed } from './last-used-store.ts';
import { createMessageStore } from './message-store.ts';
import {
  defaultMemoryOptions,
  type LastUsed,
  type Memory,
  type MemoryDeps,
  type MemoryOptions,
} from './memory-types.ts';
import { createPendingActions } from './pending-actions.ts';
import { createRecall } from './recall.ts';
import { scopeOf } from './scope.ts';
import { createThreads } from './threads.ts';
import { createTurnCommit } from './turn-commit.ts';
import { createTurnContext, type QueryVectors } from './turn-context.ts';
import { exportUserData, scopesOfUser, wipeUserData } from './user-data-store.ts';
import { VectorCache } from '../vectors/vector-index.ts';

export type {
  LastUsed,
  Memory,
  MemoryDeps,
  MemoryOptions,
  RecalledMessage,
  UserExport,
  WipeResult,
} from './memory-types.ts';
export { defaultMemoryOptions } from './memory-types.ts';

/** Delay before post-commit background work (compaction, extraction) starts; `idle()` still waits for it. */
const AFTER_COMMIT_DELAY_MS = 30;

/** The parts of memory, wired from its deps. */
function createParts(deps: MemoryDeps, opts: MemoryOptions) {
  const { store, llm, clock, ids } = deps;
  const log = deps.log.child({ module: 'memory' });
  const messages = createMessageStore(store);
  const threads = createThreads({ store, clock, ids });
  const cache = new VectorCache({
    dims: opts.embeddingDims,
    maxBytes: opts.cacheMaxBytes,
    loader: messages.scopeVectors,
  });
  const embedder = createEmbedder(llm, opts.embeddingDims);
  const facts = createFacts({
    store,
    clock,
    ids,
    log,
    halfLifeDays: opts.factHalfLifeDays,
    cacheMaxBytes: opts.factCacheMaxBytes,
    embed: async (texts) => {
      try {
        return await embedder.embed(texts, 'RETRIEVAL_DOCUMENT');
      } catch (err) {
        log.warn({ err: toError(err) }, 'fact embedding failed; comparing by text');
        return undefined;
      }
    },
  });
  const background = createBackgroundQueue({ clock, log });
  const model = deps.models.chat;
  const queryVectors: QueryVectors = new Map();
  const extraction = createFactExtraction({
    ...{ messages, facts, llm, model, clock, log, background },
    ...{ every: opts.extractEvery, idleMs: opts.extractIdleMs },
  });
  const recall = createRecall({ facts, messages, cache, ...opts });
  return {
    ...{ store, clock, log, opts, messages, threads, cache, embedder, facts, background, extraction, recall },
    queryVectors,
    trash: createFactTrash({ store, clock, facts, windowMs: opts.undoWindowMs }),
    pending: createPendingActions({ store, clock, ids }),
    backlog: createEmbeddingBacklog({ messages, clock, embedder, cache, background, log, batch: opts.embedBatch }),
    compact: createCompaction({
      ...{ threads, messages, llm, model, log },
      ...{ historyTokens: opts.historyTokens, overflowTokens: opts.compactOverflowTokens },
    }),
    prepare: createTurnContext({ threads, embedder, recall, extraction, queryVectors, clock, log, opts }),
    commit: createTurnCommit({ store, clock, cache, queryVectors }),
  };
}

type Parts = ReturnType<typeof createParts>;

/** What the last answer in a chat used, resolved to texts (forgotten facts and deleted messages as undefined). */
async function lastUsedOf(p: Parts, chat: Parameters<Memory['lastUsed']>[0], userId: number) {
  const row = await loadLastUsed(p.store, chat, userId);
  if (!row) return undefined;
  const found = new Map((await p.facts.getMany(row.factIds)).map((f) => [f.id, f]));
  const msgs = await p.messages.byIds(row.messageIds.map(Number));
  return {
    userId: row.userId,
    turnId: row.turnId,
    at: row.createdAt,
    facts: row.factIds.map((id) => {
      const f = found.get(id);
      return { id, text: f && f.deletedAt === undefined ? f.text : undefined };
    }),
    messages: row.messageIds.map((id) => {
      const m = msgs.get(id);
      return { id, text: m?.text, at: m?.at };
    }),
    ...(row.activity ? { activity: row.activity } : {}),
  } satisfies LastUsed;
}

/** Retries embeddings, extracts facts of idle scopes, prunes faded facts and purges expired trash. */
async function maintain(p: Parts): Promise<void> {
  await p.backlog.drain();
  await p.facts.backfillEmbeddings(64);
  for (const r of await p.messages.oldestPending()) {
    if (r.oldest != null && p.clock.now() - r.oldest >= p.opts.extractIdleMs) {
      try {
        await p.extraction.extract(r.scope, true);
      } catch (err) {
        p.log.warn({ err: toError(err), scope: r.scope }, 'idle fact extraction failed');
      }
    }
  }
  await p.facts.prune(0.05);
  await p.trash.purge();
}

/** Extracts every scope's pending facts within `closeFlushMs` (at shutdown). */
async function flushAll(p: Parts): Promise<void> {
  try {
    await forEachWithin(
      p.clock,
      await pendingScopes(p.store),
      {
        concurrency: 4,
        ms: p.opts.closeFlushMs,
        onError: (scope, err) =>
          p.log.warn({ err: toError(err), scope }, 'fact extraction at shutdown failed; it runs after the restart'),
      },
      (scope, signal) => p.extraction.extract(scope, true, signal),
    );
  } catch (err) {
    p.log.warn({ err: toError(err) }, 'cannot flush pending facts at shutdown; they are extracted after the restart');
  }
}

/**
 * Runs maintenance every `maintenanceIntervalMs` (first one interval after start), queued behind other background
 * work.
 */
function maintenanceLoop(p: Parts, maintenance: () => Promise<void>): DueLoop {
  const interval = p.opts.maintenanceIntervalMs;
  let due = p.clock.now() + interval;
  return createDueLoop({
    clock: p.clock,
    log: p.log,
    name: 'memory maintenance',
    maxSleepMs: interval,
    async tick() {
      if (p.clock.now() < due || p.background.closed) return due;
      await new Promise<void>((resolve) => {
        p.background.run('maintenance', () => maintenance().finally(resolve));
      });
      due = p.clock.now() + interval;
      return due;
    },
  });
}

/** Searches, lists and forgets facts on behalf of tools and commands. */
function factQueries(p: Parts): Pick<Memory, 'remember' | 'searchFacts' | 'searchMessages' | 'findFacts'> {
  return {
    remember(userId, chat, text, category = 'other') {
      const scope = scopeOf(userId, chat);
      return p.facts.add({ scope, userId, chatId: chat.chatId, text, category, source: 'explicit' });
    },
    async searchFacts(userId, chat, query, limit = 10) {
      const scope = scopeOf(userId, chat);
      let vec: Float32Array | undefined;
      try {
        vec = await p.embedder.one(query, 'RETRIEVAL_QUERY');
      } catch (err) {
        p.log.warn({ err: toError(err) }, 'query embedding failed; matching facts by text');
      }
      if (!vec)
        return (await p.facts.matching(scope, query, undefined, 1)).slice(0, limit).map((fact) => ({ fact, score: 1 }));
      return p.facts.ranked(scope, vec, { limit, minScore: p.opts.factMinScore });
    },
    async searchMessages(userId, chat, query, limit = 5) {
      const vec = await p.embedder.one(query, 'RETRIEVAL_QUERY');
      if (!vec) return [];
      return p.recall.messages(scopeOf(userId, chat), vec, limit, new Set(), p.opts.recallMinScore);
    },
    async findFacts(userId, chat, phrase) {
      let vec: Float32Array | undefined;
      try {
        vec = await p.embedder.one(phrase, 'RETRIEVAL_DOCUMENT');
      } catch (err) {
        p.log.warn({ err: toError(err) }, 'embedding failed; matching facts by text only');
      }
      return p.facts.matching(scopeOf(userId, chat), phrase, vec, 0.7);
    },
  };
}

/** Creates the memory service. Nothing runs in the background until the first commit (or `start()`). */
export function createMemory(deps: MemoryDeps): Memory {
  const opts: MemoryOptions = { ...defaultMemoryOptions, ...deps.options };
  const p = createParts(deps, opts);
  const { store, clock, log, facts, trash, background, extraction } = p;
  let loop: DueLoop | undefined;

  const memory: Memory = {
    prepare: p.prepare,

    async commit(request, context, outcome) {
      const { scope, embedPending } = await p.commit(request, context, outcome);
      if (embedPending) p.backlog.schedule();
      const group = request.chat.type !== 'private';
      // Started a little later, so this work (and an extraction call to the model) does not compete with
      // delivering the reply that is being sent right now.
      background.run('compact', () => p.compact(context.threadId, group), AFTER_COMMIT_DELAY_MS);
      background.run('extract', () => extraction.extract(scope, false));
    },

    async newThread(chat) {
      const ending = await p.messages.activeThread(chat);
      const id = await p.threads.create(chat);
      // What was said in the ended thread must be known in the next one: extract its pending facts now.
      if (ending) {
        try {
          extraction.flush(await pendingScopesOfThread(store, ending));
        } catch (err) {
          log.warn(
            { err: toError(err) },
            'cannot look up pending facts of the ended thread; the idle timer extracts them',
          );
        }
      }
      return id;
    },

    ...factQueries(p),
    listFacts: (userId, chat, page, pageSize) =>
      facts.page(scopeOf(userId, chat), Math.max(0, page) * pageSize, pageSize),
    forgetFacts: (userId, factIds) => facts.remove(userId, factIds),
    trashFacts: (userId, chat, factIds) => trash.trash(userId, scopeOf(userId, chat), factIds),
    restoreFacts: (userId, chat, factIds) => trash.restore(userId, scopeOf(userId, chat), factIds),
    undoable: (fact) => trash.undoable(fact),
    getFact: (factId) => facts.get(factId),
    getFacts: (factIds) => facts.getMany(factIds),
    lastUsed: (chat, userId) => lastUsedOf(p, chat, userId),
    exportUser: (userId) => exportUserData(store, userId, clock.now(), facts.effective),

    async wipeUser(userId) {
      extraction.wiping(userId, true);
      await memory.idle();
      const scopes = await scopesOfUser(store, userId);
      const result = await wipeUserData(store, userId);
      for (const scope of scopes) p.cache.invalidate(scope);
      facts.clearCache();
      p.queryVectors.clear();
      extraction.wiping(userId, false);
      log.info({ userId, ...result }, 'user memory wiped');
      return result;
    },

    savePending: (userId, kind, payload) => p.pending.save(userId, kind, payload),
    readPending: (id, userId, kind) => p.pending.read(id, userId, kind),
    takePending: (id, userId, kind) => p.pending.take(id, userId, kind),
    maintenance: () => maintain(p),
    idle: () => background.idle(),

    start() {
      if (loop || background.closed) return;
      loop = maintenanceLoop(p, () => memory.maintenance());
      loop.start();
    },

    async close() {
      await loop?.stop();
      loop = undefined;
      await memory.idle();
      await flushAll(p);
      await background.close();
      p.backlog.close();
    },

    cacheBytes: () => p.cache.bytes,
  };
  return memory;
}
