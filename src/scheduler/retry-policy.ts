import { backoffDelay } from '../core/backoff.ts';

/** When a failed delivery is tried again. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Delay before retry number `retry` (1-based), or undefined when there is none left. */
  delayBefore(retry: number): number | undefined;
}

/** Default: 3 retries with exponential backoff, 15 s, 1 min, 4 min (capped at 5 min). */
export const DEFAULT_RETRY = { retries: 3, baseMs: 15_000, factor: 4, maxMs: 5 * 60_000 };

/** The retry policy: explicit delays when given (their length bounds the attempts), else exponential backoff. */
export function retryPolicy(explicitDelaysMs?: number[]): RetryPolicy {
  if (explicitDelaysMs) {
    return { retries: explicitDelaysMs.length, delayBefore: (retry) => explicitDelaysMs[retry - 1] };
  }
  const { retries, ...shape } = DEFAULT_RETRY;
  return {
    retries,
    delayBefore: (retry) => (retry >= 1 && retry <= retries ? backoffDelay(retry, shape) : undefined),
  };
}
