/** Shape of an exponential backoff. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Fraction of the delay that is randomised, 0..1 (default 0: deterministic). */
  jitter?: number;
  /** Random source for the jitter (default Math.random); injected so tests are deterministic. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (1-based): `baseMs * factor^(attempt-1)`, capped at `maxMs`. With jitter `j`,
 * the result lies in `[d * (1 - j), d]`, so a jittered delay never exceeds the cap.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { baseMs, maxMs, factor = 2, jitter = 0, random = Math.random } = options;
  const n = Math.max(1, Math.floor(attempt));
  const raw = baseMs * factor ** (n - 1);
  const capped = Math.min(maxMs, Number.isFinite(raw) ? raw : maxMs);
  if (jitter <= 0) return Math.round(capped);
  const j = Math.min(1, jitter);
  return Math.round(capped * (1 - j * random()));
}
