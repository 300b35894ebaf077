import type { Clock } from './clock.ts';
import { toError } from './errors.ts';
import type { Logger } from './logger.ts';

/** A set of tracked background tasks: errors are logged, never unhandled, and shutdown can wait for them. */
export interface TaskSet {
  /** Starts `fn` now and tracks it until it settles. Ignored (returns false) after `close()`. */
  run(name: string, fn: () => Promise<void>): boolean;
  /** Tasks still running. */
  readonly size: number;
  /** Resolves when no task is running, including tasks started while waiting. */
  idle(): Promise<void>;
  /** Refuses new tasks, then waits up to `timeoutMs` of clock time for the running ones; true when all settled. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Refuses new tasks from now on. */
  close(): void;
}

/** Creates a {@link TaskSet}. */
export function createTaskSet(deps: { clock: Clock; log: Logger }): TaskSet {
  const running = new Set<Promise<void>>();
  let closed = false;

  function run(name: string, fn: () => Promise<void>): boolean {
    if (closed) return false;
    const task: Promise<void> = Promise.resolve()
      .then(fn)
      .catch((err) => deps.log.warn({ err: toError(err), task: name }, 'background task failed'))
      .finally(() => running.delete(task));
    running.add(task);
    return true;
  }

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.all([...running]);
  }

  async function drain(timeoutMs: number): Promise<boolean> {
    closed = true;
    if (running.size === 0) return true;
    const timeout = new AbortController();
    const timedOut = deps.clock.sleep(timeoutMs, timeout.signal, { unref: true }).then(
      () => false,
      () => true,
    );
    const done = await Promise.race([idle().then(() => true), timedOut]);
    timeout.abort();
    return done;
  }

  return {
    run,
    get size() {
      return running.size;
    },
    idle,
    drain,
    close: () => {
      closed = true;
    },
  };
}
