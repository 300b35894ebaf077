import { backoffDelay } from '../../core/backoff.ts';
import { telemetry } from '../../core/telemetry.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { type ApiFailure, classifyApiError } from '../api-errors.ts';
import type { Lane, RateLimiter } from '../rate-limiter.ts';
import type { ApiSignal, RetryOptions } from './types.ts';

/** An API call's outcome: its value, a failure to branch on, or dropped (superseded, aborted or shutting down). */
export type CallResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure } | { ok: false; dropped: true };

export interface CallOptions {
  lane?: Lane;
  coalesceKey?: string;
  signal?: AbortSignal;
  retryTransient?: boolean;
  retryRateLimit?: boolean;
}

/** One API call under the limiter with retries. */
export type ApiCaller = <T>(
  chatId: number,
  fn: (signal: ApiSignal) => Promise<T>,
  opts?: CallOptions,
) => Promise<CallResult<T>>;

/** Retry settings with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** Fills in the retry defaults. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    maxAttempts: options.maxAttempts ?? 5,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 15_000,
    maxRateLimitRetries: options.maxRateLimitRetries ?? 30,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 5 * 60_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
  };
}

/** Delay before retry `attempt` (1-based): doubling from the base, capped, half of it jittered. */
export function transientBackoff(retry: RetryPolicy, attempt: number): number {
  return backoffDelay(attempt, { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs, jitter: 0.5 });
}

/**
 * Creates the caller: one API call under the limiter, with 429 and transient-error retries. Every other failure is
 * returned for the caller to branch on (parse, too long, not found, blocked, migrated…).
 */
export function createApiCaller(deps: {
  limiter: RateLimiter;
  clock: Clock;
  log: Logger;
  retry: RetryPolicy;
}): ApiCaller {
  const { limiter, clock, log, retry } = deps;

  /** After a 429: true when the call should try again. */
  function waitOutRateLimit(
    chatId: number,
    f: ApiFailure & { kind: 'rate_limited' },
    limited: number,
    opts: CallOptions,
  ) {
    limiter.onRateLimited(chatId, f.retryAfterMs);
    telemetry().count('telegram_429');
    log.warn({ chatId, retryAfterMs: f.retryAfterMs, attempt: limited }, 'Telegram rate limit (429); pausing the chat');
    return !(
      opts.retryRateLimit === false ||
      limited > retry.maxRateLimitRetries ||
      f.retryAfterMs > retry.maxRetryAfterMs
    );
  }

  /** After a transient failure: sleeps the backoff; 'retry', 'give-up' or 'dropped' (aborted while waiting). */
  async function backOff(chatId: number, f: ApiFailure, transient: number, opts: CallOptions) {
    if (opts.retryTransient === false || transient >= retry.maxAttempts) return 'give-up' as const;
    const wait = transientBackoff(retry, transient);
    telemetry().count('telegram_retries');
    log.warn(
      { chatId, attempt: transient, waitMs: wait, err: f.description },
      'Telegram call failed transiently; retrying',
    );
    try {
      await clock.sleep(wait, opts.signal);
    } catch {
      return 'dropped' as const;
    }
    return 'retry' as const;
  }

  return async function call<T>(
    chatId: number,
    fn: (signal: ApiSignal) => Promise<T>,
    opts: CallOptions = {},
  ): Promise<CallResult<T>> {
    let transient = 0;
    let limited = 0;
    for (;;) {
      const grant = await limiter.acquire(chatId, {
        lane: opts.lane ?? 'message',
        coalesceKey: opts.coalesceKey,
        signal: opts.signal,
      });
      if (!grant) return { ok: false, dropped: true };
      try {
        const value = await fn(AbortSignal.timeout(retry.requestTimeoutMs) as unknown as ApiSignal);
        grant.release();
        return { ok: true, value };
      } catch (err) {
        grant.release();
        const f = classifyApiError(err);
        if (f.kind === 'rate_limited') {
          if (waitOutRateLimit(chatId, f, ++limited, opts)) continue;
          return { ok: false, failure: f };
        }
        if (f.kind !== 'transient') return { ok: false, failure: f };
        const next = await backOff(chatId, f, ++transient, opts);
        if (next === 'dropped') return { ok: false, dropped: true };
        if (next === 'give-up') return { ok: false, failure: f };
      }
    }
  };
}
