import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/**
 * Memory's background work: one serialized chain (tasks never overlap, so extraction and compaction see each
 * other's writes); `idle()` waits for it to drain. Delayed tasks wait outside the chain, so a burst of commits
 * doesn't queue one delay after another.
 */
export function createBackgroundQueue(log: Logger) {
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const delayed = new Set<Promise<void>>();

  function run(name: string, fn: () => Promise<void>, delayMs = 0): void {
    if (closed) return;
    if (delayMs > 0) {
      // A real timer on purpose: the delay only keeps this work off the reply's path; no behaviour depends on it.
      const waiting: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => {
        delayed.delete(waiting);
        run(name, fn);
      });
      delayed.add(waiting);
      return;
    }
    chain = chain.then(fn).catch((err) => log.warn({ err: toError(err), task: name }, 'memory background task failed'));
  }

  return {
    /** Queues `fn` (after `delayMs`); ignored once closed. */
    run,

    /** Whether `close()` was called. */
    get closed(): boolean {
      return closed;
    },

    /** Resolves once queued and delayed work is finished (including work queued meanwhile). */
    async idle(): Promise<void> {
      let seen: Promise<void>;
      do {
        await Promise.all([...delayed]);
        seen = chain;
        await seen;
      } while (seen !== chain || delayed.size > 0);
    },

    /** Lets delayed tasks join the chain, refuses new work and waits for the chain. */
    async close(): Promise<void> {
      await Promise.all([...delayed]);
      closed = true;
      await chain;
    },
  };
}

export type BackgroundQueue = ReturnType<typeof createBackgroundQueue>;
