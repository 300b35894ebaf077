import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { createTaskSet } from '../core/task-set.ts';
import type { KnowledgeStore } from './knowledge-store.ts';

/** How the keyword index is merged after an ingestion. */
export interface KeywordMergeOptions {
  /** Leaf pages (~4 KB each) written per step; each step is its own short write transaction. */
  pagesPerStep: number;
  /** Steps per run at most: a run on a huge index stops there and the next ingestion's run carries on. */
  maxSteps: number;
}

/** ~1 MB per step (a few ms of write lock); 2000 steps (~2 GB) is far more than any index here needs to become one. */
export const DEFAULT_KEYWORD_MERGE: KeywordMergeOptions = { pagesPerStep: 256, maxSteps: 2000 };

/**
 * Merges the FTS5 index into one segment in the background after an ingestion. Every ingestion's transaction adds a
 * segment and FTS5's own automerge leaves a dozen at 100k passages; a keyword lookup reads every segment, so a
 * merged index makes the keyword half of search about a third cheaper. The merge runs in small steps, each its own
 * transaction, so a user's write never waits long behind it; one run at a time, and a run requested while one is
 * going happens after it (it sees the newer segments).
 */
export function createKeywordMerge(deps: {
  store: KnowledgeStore;
  clock: Clock;
  log: Logger;
  options?: KeywordMergeOptions;
}) {
  const { store, log } = deps;
  const options = deps.options ?? DEFAULT_KEYWORD_MERGE;
  const tasks = createTaskSet({ clock: deps.clock, log });
  let queued = false;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function merge(): Promise<void> {
    for (let step = 0; step < options.maxSteps && !stopped; step++) {
      if (!(await store.mergeKeywordIndex(options.pagesPerStep))) return;
    }
  }

  function schedule(): void {
    if (queued || stopped) return;
    queued = true;
    tasks.run('knowledge-keyword-merge', async () => {
      const previous = running;
      let done!: () => void;
      running = new Promise<void>((resolve) => {
        done = resolve;
      });
      try {
        await previous;
        queued = false;
        await merge();
      } finally {
        done();
      }
    });
  }

  return {
    /** Queues a merge run (at most one queued at a time). */
    schedule,
    /** Resolves when no run is going or queued. */
    idle: () => tasks.idle(),
    /** Stops after the current step; waits up to `timeoutMs` for it. */
    async close(timeoutMs: number): Promise<void> {
      stopped = true;
      await tasks.drain(timeoutMs);
    },
  };
}

export type KeywordMerge = ReturnType<typeof createKeywordMerge>;
