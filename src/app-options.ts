import type { TaskOptions } from './tasks/task.ts';
import type { ObservabilityTestOptions } from './observability/observability.ts';
import type { FrontEndConfig } from './telegram/front-end.ts';
import type { RetryOptions as OutboxRetryOptions } from './telegram/outbox.ts';
import type { RateLimiterOptions } from './telegram/rate-limiter.ts';

/**
 * Tuning for tests and benchmarks (port 0, faster retries and limits, loopback fetches). Production passes none:
 * these are not part of `AppDeps`.
 */
export interface AppTestOptions {
  port?: number;
  allowPrivateFetch?: boolean;
  frontEnd?: Partial<FrontEndConfig>;
  limiter?: Omit<RateLimiterOptions, 'clock'>;
  outboxRetry?: OutboxRetryOptions;
  llmRetry?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  maxFileBytes?: number;
  tasks?: Partial<TaskOptions>;
  observability?: ObservabilityTestOptions;
}
