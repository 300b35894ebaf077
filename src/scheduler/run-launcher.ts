import { AppError, toError } from '../core/errors.ts';
import { type TaskSet, createTaskSet } from '../core/task-set.ts';
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
  /** Waits for running runs up to `timeoutMs`, then aborts the rest and waits for them. Launching works again after. */
  drain(timeoutMs: number): Promise<void>;
}

/** Creates the launcher; `onSettled` runs after each run (the loop wakes when there is a backlog). */
export function createRunLauncher(ctx: SchedulerContext, fire: FireRun, onSettled: () => void): RunLauncher {
  const prompts = createSemaphore(ctx.opt.maxConcurrentPrompts);
  const posts = createSemaphore(ctx.opt.maxConcurrentPosts);
  /** Abort controllers of the runs in flight in this instance, by `jobId:scheduledFor`. */
  const inFlight = new Map<string, AbortController>();
  let tasks: TaskSet = createTaskSet({ clock: ctx.clock, log: ctx.log });
  let queued = 0;
  const keyOf = (jobId: string, sf: number) => `${jobId}:${sf}`;

  function launch(c: Claimed): void {
    const key = keyOf(c.job.id, c.scheduledFor);
    const abort = new AbortController();
    queued++;
    inFlight.set(key, abort);
    const started = tasks.run(`scheduled run ${key}`, async () => {
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
    });
    if (!started) {
      // Stopping: the claim stays and its lease lets the next start (or another instance) run it.
      queued--;
      inFlight.delete(key);
    }
  }

  async function drain(timeoutMs: number): Promise<void> {
    const all = await tasks.drain(timeoutMs);
    if (!all) {
      for (const abort of inFlight.values()) abort.abort(new AppError('aborted', 'scheduler stopping'));
      await tasks.idle();
    }
    tasks = createTaskSet({ clock: ctx.clock, log: ctx.log });
  }

  return {
    launch,
    has: (jobId, sf) => inFlight.has(keyOf(jobId, sf)),
    get queued() {
      return queued;
    },
    idle: () => tasks.idle(),
    drain,
  };
}
