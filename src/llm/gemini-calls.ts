import type { Clock } from '../core/clock.ts';
import { LlmError, toError } from '../core/errors.ts';
import { telemetry } from '../core/telemetry.ts';
import type { Logger } from '../core/logger.ts';
import { type Attempt, startAttempt } from './gemini-attempt.ts';
import { type Failure, classify } from './gemini-errors.ts';
import { type RetryPolicy, retryDelay } from './retry.ts';
import type { AccountTo, Usage } from './types.ts';

/** One provider call, for usage accounting. `ok: false` calls carry the error code and zero usage. */
export interface LlmCallRecord {
  model: string;
  kind: 'generate' | 'stream' | 'embed';
  usage: Usage;
  ms: number;
  ok: boolean;
  error?: string;
  attempts: number;
  /** Whom the call was for, as the caller said (`GenerateRequest.accountTo`). */
  accountTo?: AccountTo;
}

const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

export interface CallRunnerDeps {
  clock: Clock;
  log: Logger;
  retry: RetryPolicy;
  random: () => number;
  onUsage?: (record: LlmCallRecord) => void;
}

/** What one logical call (all its attempts) is: its kind and model, and the bounds of each attempt. */
export interface CallSpec {
  kind: LlmCallRecord['kind'];
  model: string;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  accountTo?: AccountTo | undefined;
}

/** Retries, usage records and error mapping shared by generate, stream and embed. */
export interface CallRunner {
  /** Runs `call` with a fresh attempt each time, retrying what may succeed; records usage once at the end. */
  withRetry<T>(spec: CallSpec, call: (attempt: Attempt) => Promise<T>, usageOf: (value: T) => Usage): Promise<T>;
  /** Maps a failed attempt to an LlmError. */
  classify(err: unknown, attempt: Attempt, spec: CallSpec): Failure;
  /** Waits before the next attempt, or returns false when the error should be thrown now. */
  shouldRetry(spec: CallSpec, attemptNo: number, failure: Failure): Promise<boolean>;
  /** Reports one finished call (success or failure) to `onUsage`. */
  record(spec: CallSpec, started: number, attempts: number, outcome: { usage: Usage } | { error: LlmError }): void;
}

/** Creates the retry and accounting helpers of the Gemini adapter. Sleeps between attempts on the injected clock. */
export function createCallRunner(deps: CallRunnerDeps): CallRunner {
  const { clock, log, retry, random } = deps;
  const maxAttempts = Math.max(1, retry.maxAttempts);

  const runner: CallRunner = {
    record(spec, started, attempts, outcome) {
      if (!deps.onUsage) return;
      const base = {
        model: spec.model,
        kind: spec.kind,
        ms: performance.now() - started,
        attempts,
        ...(spec.accountTo ? { accountTo: spec.accountTo } : {}),
      };
      const rec: LlmCallRecord =
        'usage' in outcome
          ? { ...base, usage: outcome.usage, ok: true }
          : { ...base, usage: ZERO_USAGE, ok: false, error: outcome.error.code };
      try {
        deps.onUsage(rec);
      } catch (err) {
        log.warn({ err: toError(err) }, 'usage recorder failed');
      }
    },

    classify: (err, attempt, spec) => classify(err, attempt, spec.signal, spec.timeoutMs, clock.now()),

    async shouldRetry(spec, attemptNo, failure) {
      if (failure.error.status === 429) telemetry().count('gemini_429');
      if (!failure.retryable || attemptNo >= maxAttempts) return false;
      const delay = retryDelay(attemptNo, retry, failure.error.retryAfterMs, random);
      if (delay === undefined) return false;
      telemetry().count('gemini_retries');
      log.warn(
        {
          model: spec.model,
          kind: spec.kind,
          attempt: attemptNo,
          code: failure.error.code,
          status: failure.error.status,
          delayMs: delay,
        },
        'gemini call failed, retrying',
      );
      try {
        await clock.sleep(delay, spec.signal);
      } catch {
        throw new LlmError('llm_aborted', 'The model call was cancelled', { cause: failure.error });
      }
      return true;
    },

    async withRetry(spec, call, usageOf) {
      const started = performance.now();
      for (let attemptNo = 1; ; attemptNo++) {
        const attempt = startAttempt(spec.timeoutMs, spec.signal);
        try {
          const value = await call(attempt);
          attempt.completed();
          runner.record(spec, started, attemptNo, { usage: usageOf(value) });
          return value;
        } catch (err) {
          const failure = runner.classify(err, attempt, spec);
          if (await runner.shouldRetry(spec, attemptNo, failure)) continue;
          runner.record(spec, started, attemptNo, { error: failure.error });
          throw failure.error;
        } finally {
          attempt.dispose();
        }
      }
    },
  };
  return runner;
}
