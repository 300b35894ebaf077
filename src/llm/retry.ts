/** Backoff policy for provider calls. `maxAttempts` counts the first call. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A provider-requested wait longer than this is not worth waiting for inside a turn: fail fast instead. Default 60 s. */
  maxRetryAfterMs?: number;
}

/** Parses an HTTP `Retry-After` header (delta-seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Reads google.rpc.RetryInfo (`"retryDelay": "7s"`) from a Google API error body, in milliseconds. */
export function retryInfoDelay(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    const type = (d as { '@type'?: unknown })['@type'];
    const delay = (d as { retryDelay?: unknown }).retryDelay;
    if (typeof type === 'string' && type.endsWith('RetryInfo') && typeof delay === 'string') {
      const m = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
      if (m) return Math.round(Number(m[1]) * 1000);
    }
  }
  return undefined;
}

/**
 * Delay before retry number `attempt` (1 = the first retry). A provider-requested delay wins (plus a little jitter so
 * parallel callers don't stampede); otherwise exponential backoff with "equal jitter" (half fixed, half random),
 * capped at `maxDelayMs`. Returns undefined when the provider asked for longer than `maxRetryAfterMs`.
 */
export function retryDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > (policy.maxRetryAfterMs ?? 60_000)) return undefined;
    return retryAfterMs + Math.floor(random() * Math.min(250, policy.baseDelayMs));
  }
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(exp / 2 + random() * (exp / 2));
}
