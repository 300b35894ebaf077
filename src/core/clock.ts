import { randomBytes } from 'node:crypto';

/** Time source. All time-based behaviour reads `now()` so tests can drive it with a manual clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time. The system clock uses a real timer. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

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
