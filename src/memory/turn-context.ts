import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { MemoryContext } from '../core/memory.ts';
import type { TurnRequest } from '../core/turn.ts';
import type { Content } from '../llm/types.ts';
import type { Embedder } from './embedder.ts';
import type { Fact } from './fact.ts';
import type { FactExtraction } from './fact-extraction.ts';
import { settlesWithin } from './flush.ts';
import { historyBudget, summaryContents, trimHistory } from './history-budget.ts';
import type { MemoryOptions, RecalledMessage } from './memory-types.ts';
import type { Recall } from './recall.ts';
import { recallCanHelp } from './recall-rule.ts';
import { scopeOf } from './scope.ts';
import { buildSystemContext } from './system-context.ts';
import { type HistoryMessage, type ThreadRow, type Threads, toContents } from './threads.ts';

/** Query vectors of prepared turns, kept for their commit (bounded). */
export type QueryVectors = Map<string, Float32Array>;

const MAX_QUERY_VECTORS = 500;

/** Builds what a turn gets from memory: history (summary + recent messages), relevant facts and recalled messages. */
export function createTurnContext(deps: {
  threads: Threads;
  embedder: Embedder;
  recall: Recall;
  extraction: FactExtraction;
  queryVectors: QueryVectors;
  clock: Clock;
  log: Logger;
  opts: MemoryOptions;
}) {
  const { threads, embedder, recall, extraction, queryVectors, clock, log, opts } = deps;

  /** The query vector of the turn's text (bounded by `queryEmbedTimeoutMs`); undefined when recall can't help (`recallCanHelp`) or on failure. */
  function queryVector(request: TurnRequest): Promise<Float32Array | undefined> {
    const text = request.text.trim();
    if (!text || !recallCanHelp(text)) return Promise.resolve(undefined);
    const timeout = AbortSignal.timeout(opts.queryEmbedTimeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    return embedder.one(text, 'RETRIEVAL_QUERY', signal).catch((err) => {
      log.warn({ err: toError(err), turnId: request.turnId }, 'query embedding failed; answering without recall');
      return undefined;
    });
  }

  function keepVector(turnId: string, vec: Float32Array | undefined): void {
    if (!vec) return;
    queryVectors.set(turnId, vec);
    if (queryVectors.size > MAX_QUERY_VECTORS) queryVectors.delete(queryVectors.keys().next().value as string);
  }

  async function history(thread: ThreadRow, group: boolean) {
    const recent = await threads.recent(thread.id, thread.summaryUpto, 400);
    const kept = trimHistory(recent, historyBudget(opts.historyTokens, thread));
    const contents: Content[] = thread.summary ? summaryContents(thread.summary) : [];
    contents.push(...toContents(kept, group));
    return { summarized: Boolean(thread.summary), kept, contents };
  }

  async function recalled(scope: string, vec: Float32Array | undefined, kept: HistoryMessage[], turnId: string) {
    let factList: { fact: Fact; score: number }[] = [];
    let messages: RecalledMessage[] = [];
    const flushing = extraction.flushing(scope);
    if (flushing && !(await settlesWithin(clock, flushing, opts.flushWaitMs)))
      log.warn({ turnId }, 'fact extraction of the ended thread is slow; answering without waiting');
    try {
      factList = await recall.relevantFacts(scope, vec);
    } catch (err) {
      log.warn({ err: toError(err) }, 'loading facts failed; continuing without them');
    }
    if (vec) {
      try {
        const inHistory = new Set(kept.map((m) => m.id));
        messages = await recall.messages(scope, vec, opts.recallLimit, inHistory, opts.recallMinScore);
      } catch (err) {
        log.warn({ err: toError(err) }, 'recall failed; continuing without it');
      }
    }
    return { factList, messages };
  }

  /** `ConversationMemory.prepare`. */
  return async function prepare(request: TurnRequest): Promise<MemoryContext> {
    const scope = scopeOf(request.userId, request.chat);
    const group = request.chat.type !== 'private';
    const vecPromise = queryVector(request);
    const thread = await threads.activeRow(request.chat);
    const threadId = thread.id;
    const past = await history(thread, group);
    const vec = await vecPromise;
    keepVector(request.turnId, vec);
    const { factList, messages } = await recalled(scope, vec, past.kept, request.turnId);
    const others = past.summarized || past.kept.some((m) => m.role === 'user' && m.userId !== request.userId);
    return {
      threadId,
      history: past.contents,
      systemContext: buildSystemContext(factList, messages),
      used: { factIds: factList.map((f) => f.fact.id), recalledMessageIds: messages.map((m) => m.id) },
      ...(group && others ? { othersInHistory: true } : {}),
    } satisfies MemoryContext;
  };
}
