import { randomBytes } from 'node:crypto';

/** Time source. All time-based behaviour reads `now()` so tests can drive it with a manual clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time. The system clock uses a real timer; `unref` lets the process exit
   *  while it waits. */
  sleep(ms: number, signal?: AbortSignal, options?: SleepOptions): Promise<void>;
}

/** Options of {@link Clock.sleep}. */
export interface SleepOptions {
  /** Don't keep the process alive for this wait (background retries, maintenance). */
  unref?: boolean;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal, options) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (options?.unref) timer.unref();
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Cancels a pending {@link later} call; a no-op once it ran. */
export type Cancel = () => void;

/**
 * Runs `fn` after `ms` of the clock's time (a Clock-driven setTimeout). Errors thrown by `fn` go to `onError`
 * (default: swallowed, so callers must handle their own), never to an unhandled rejection.
 */
export function later(
  clock: Clock,
  ms: number,
  fn: () => void | Promise<void>,
  options: SleepOptions & { onError?: (err: unknown) => void } = {},
): Cancel {
  const abort = new AbortController();
  clock.sleep(ms, abort.signal, options).then(
    async () => {
      try {
        await fn();
      } catch (err) {
        options.onError?.(err);
      }
    },
    () => {
      // cancelled
    },
  );
  return () => abort.abort();
}

/** Generates unique ids. Injected so tests can make them deterministic. */
export type IdGen = () => string;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 ids of `length` characters (default 16, ~95 bits): unguessable, short enough for callback_data. */
export function createIdGen(length = 16): IdGen {
  return () => {
    const bytes = randomBytes(length);
    let out = '';
    for (const b of bytes) out += ALPHABET[b % 62];
    return out;
  };
}
