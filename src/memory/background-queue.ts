import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { createTaskSet } from '../core/task-set.ts';

/**
 * Memory's background work, tracked by a TaskSet (errors logged, `idle()` waits for everything) and run one task
 * at a time, so extraction and compaction never overlap and each sees the other's writes.
 */
export function createBackgroundQueue(deps: { clock: Clock; log: Logger }) {
  const tasks = createTaskSet(deps);
  let lane: Promise<void> = Promise.resolve();
  let closed = false;

  /** Runs `fn` after every task queued before it. */
  function serial(fn: () => Promise<void>): Promise<void> {
    const result = lane.then(fn);
    lane = result.catch(() => undefined);
    return result;
  }

  return {
    /**
     * Queues `fn`; ignored once closed. With `delayMs` it joins the queue that much later, so a burst of commits
     * doesn't queue one delay after another.
     */
    run(name: string, fn: () => Promise<void>, delayMs = 0): void {
      if (closed) return;
      if (delayMs <= 0) {
        tasks.run(name, () => serial(fn));
        return;
      }
      tasks.run(name, async () => {
        // The delay only keeps this work off the reply being delivered and `idle()` waits for it, so it must pass
        // even on a test's manual clock.
        // real timer: a short yield to the reply in flight, not a due time
        await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
        await serial(fn);
      });
    },

    /** Whether `close()` was called. */
    get closed(): boolean {
      return closed;
    },

    /** Resolves once queued and delayed work is finished (including work queued meanwhile). */
    idle: () => tasks.idle(),

    /** Refuses new work and waits for what is queued. */
    async close(): Promise<void> {
      closed = true;
      tasks.close();
      await tasks.idle();
    },
  };
}

export type BackgroundQueue = ReturnType<typeof createBackgroundQueue>;
