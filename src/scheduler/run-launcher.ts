import { AppError, toError } from '../core/errors.ts';
import type { Claimed } from './claims.ts';
import type { FireRun } from './fire-run.ts';
import type { SchedulerContext } from './scheduler-context.ts';
import { createSemaphore } from './semaphore.ts';

/** Runs claimed occurrences in the background, bounded per kind, and tracks them. */
export interface RunLauncher {
  launch(c: Claimed): void;
  /** Whether this occurrence is running here. */
  has(jobId: string, scheduledFor: number): boolean;
  /** Runs launched but still waiting for a slot. */
  readonly queued: number;
  /** Waits until no run is in flight. */
  idle(): Promise<void>;
  /** Waits for running runs up to `timeoutMs`, then aborts the rest and waits for them. */
  drain(timeoutMs: number): Promise<void>;
}

/** Creates the launcher; `onSettled` runs after each run (the loop wakes when there is a backlog). */
export function createRunLauncher(ctx: SchedulerContext, fire: FireRun, onSettled: () => void): RunLauncher {
  const prompts = createSemaphore(ctx.opt.maxConcurrentPrompts);
  const posts = createSemaphore(ctx.opt.maxConcurrentPosts);
  /** Runs in flight in this instance, by `jobId:scheduledFor`, with their abort controllers. */
  const inFlight = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  let queued = 0;
  const keyOf = (jobId: string, sf: number) => `${jobId}:${sf}`;

  function launch(c: Claimed): void {
    const key = keyOf(c.job.id, c.scheduledFor);
    const abort = new AbortController();
    queued++;
    const promise = (async () => {
      const sem = c.job.kind === 'prompt' && !c.result && c.trigger !== 'missed_notice' ? prompts : posts;
      const release = await sem.acquire();
      queued--;
      try {
        await fire(c, abort.signal);
      } catch (err) {
        ctx.log.error({ jobId: c.job.id, scheduledFor: c.scheduledFor, err: toError(err) }, 'scheduled run crashed');
      } finally {
        release();
        inFlight.delete(key);
        onSettled();
      }
    })();
    inFlight.set(key, { promise, abort });
  }

  async function idle(): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight.values()].map((f) => f.promise));
  }

  async function drain(timeoutMs: number): Promise<void> {
    const all = Promise.all([...inFlight.values()].map((f) => f.promise));
    const cancel = new AbortController();
    const timedOut = await Promise.race([
      all.then(() => false),
      ctx.clock.sleep(timeoutMs, cancel.signal).then(
        () => true,
        () => false,
      ),
    ]);
    cancel.abort();
    if (!timedOut) return;
    for (const f of inFlight.values()) f.abort.abort(new AppError('aborted', 'scheduler stopping'));
    await all;
  }

  return {
    launch,
    has: (jobId, sf) => inFlight.has(keyOf(jobId, sf)),
    get queued() {
      return queued;
    },
    idle,
    drain,
  };
}
