import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Llm } from '../llm/types.ts';
import type { BackgroundQueue } from './background-queue.ts';
import { EXTRACTION_SYSTEM, type ExtractedFact, extractionPrompt, parseExtraction } from './extraction.ts';
import type { Facts } from './facts.ts';
import type { MessageStore, PendingUserMessage, ScopeState } from './message-store.ts';
import { isoDate, isTrivial } from './text.ts';

/** Whether a batch of pending messages is due for extraction: forced, enough of them, or the oldest is idle. */
export function extractionDue(
  useful: number,
  oldestAt: number,
  now: number,
  rule: { force: boolean; every: number; idleMs: number },
): boolean {
  return rule.force || useful >= rule.every || now - oldestAt >= rule.idleMs;
}

/**
 * Batched fact extraction per scope: user messages past the scope's watermark are sent to the model every few
 * messages (or when idle, or forced by /new and shutdown) and the facts found are stored.
 */
export function createFactExtraction(deps: {
  messages: MessageStore;
  facts: Facts;
  llm: Llm;
  model: string;
  clock: Clock;
  log: Logger;
  background: BackgroundQueue;
  every: number;
  idleMs: number;
}) {
  const { messages, facts, llm, clock, log, background } = deps;
  /** Flushes started by newThread, by scope; prepare() waits for its scope's (bounded). */
  const flushes = new Map<string, Promise<void>>();
  /** Users being wiped: their queued extraction is skipped (a wipe must not send their messages to the model). */
  const wiping = new Set<number>();

  async function knownFacts(scope: string): Promise<string[]> {
    return (await facts.active(scope))
      .sort((a, b) => b.effectiveConfidence - a.effectiveConfidence)
      .slice(0, 40)
      .map((f) => f.text);
  }

  async function askModel(scope: string, userId: number, useful: PendingUserMessage[], signal?: AbortSignal) {
    const replyByTurn = await messages.repliesOf(
      scope,
      useful.map((r) => r.turnId),
    );
    const turns = useful.map((r) => ({ user: r.text, assistant: replyByTurn.get(r.turnId), at: isoDate(r.createdAt) }));
    const result = await llm.generate({
      model: deps.model,
      system: EXTRACTION_SYSTEM,
      contents: [{ role: 'user', parts: [{ text: extractionPrompt(await knownFacts(scope), turns) }] }],
      temperature: 0,
      maxOutputTokens: 1024,
      // Idle and /new flushes run outside the user's turn: say whose facts these are, for the usage records.
      accountTo: { agent: 'memory', userId },
      ...(signal ? { signal } : {}),
    });
    try {
      return parseExtraction(result.text);
    } catch (err) {
      log.warn({ err: toError(err), scope }, 'fact extractor reply unusable; skipping these messages');
      return [];
    }
  }

  async function store(scope: string, s: ScopeState, extracted: ExtractedFact[], lastId: number): Promise<number> {
    let stored = 0;
    for (const item of extracted) {
      const r = await facts.add({
        scope,
        userId: s.userId,
        chatId: s.chatId,
        text: item.fact,
        category: item.category,
        supersedes: item.supersedes,
        source: 'extracted',
        sourceMessageId: lastId,
      });
      if (r.status !== 'rejected') stored++;
    }
    return stored;
  }

  /** Extracts the scope's pending facts when due (always when `force`), then advances its watermark. */
  async function extract(scope: string, force: boolean, signal?: AbortSignal): Promise<void> {
    const s = await messages.scopeState(scope);
    if (!s || wiping.has(s.userId)) return;
    const rows = await messages.userMessagesAfter(scope, s.extractedUpto);
    if (rows.length === 0) return;
    const lastId = rows[rows.length - 1]?.id as number;
    const useful = rows.filter((r) => !isTrivial(r.text));
    const advance = () => messages.advanceExtraction(scope, lastId, clock.now());
    if (useful.length === 0) return advance();
    const rule = { force, every: deps.every, idleMs: deps.idleMs };
    if (!extractionDue(useful.length, useful[0]?.createdAt as number, clock.now(), rule)) return;
    const extracted = await askModel(scope, s.userId, useful, signal);
    const stored = await store(scope, s, extracted, lastId);
    await advance();
    log.debug({ scope, messages: useful.length, candidates: extracted.length, stored }, 'facts extracted');
  }

  /** Extracts the pending facts of `scopes` now (in the background chain), e.g. because their thread ended. */
  function flush(scopes: string[]): void {
    for (const scope of scopes) {
      if (background.closed) return;
      const done = new Promise<void>((resolve) => {
        background.run('flush', async () => {
          try {
            await extract(scope, true);
          } finally {
            resolve();
          }
        });
      });
      flushes.set(scope, done);
      void done.then(() => {
        if (flushes.get(scope) === done) flushes.delete(scope);
      });
    }
  }

  return {
    extract,
    flush,
    /** The running flush of a scope, if any. */
    flushing: (scope: string) => flushes.get(scope),
    /** Marks a user as being wiped (true) or done (false). */
    wiping(userId: number, on: boolean): void {
      if (on) wiping.add(userId);
      else wiping.delete(userId);
    },
  };
}

export type FactExtraction = ReturnType<typeof createFactExtraction>;
