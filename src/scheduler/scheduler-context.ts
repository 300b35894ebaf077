import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Outbox } from '../core/outbox.ts';
import { UNDO_WINDOW_MS } from '../core/undo.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Store } from '../store/db.ts';
import type { JobCards } from './cards.ts';
import { DEFAULT_MIN_INTERVAL_MS } from './frequency.ts';
import type { Job, JobKind } from './job.ts';
import { type RetryPolicy, retryPolicy } from './retry-policy.ts';
import type { SchedulerDeps, SchedulerOptions } from './scheduler-api.ts';

/** {@link SchedulerOptions} with every default filled in. */
export interface ResolvedOptions {
  maxConcurrentPrompts: number;
  maxConcurrentPosts: number;
  runTimeoutMs: number;
  maxSleepMs: number;
  onTimeMs: number;
  defaultGraceMs: number;
  retry: RetryPolicy;
  maxConsecutiveFailures: number;
  claimBatch: number;
  maxJobsPerUser: number;
  minIntervalMs: Record<JobKind, number>;
  stopTimeoutMs: number;
  minTickGapMs: number;
  undoWindowMs: number;
}

/** Fills in the defaults documented on {@link SchedulerOptions}. */
export function resolveOptions(o: SchedulerOptions = {}): ResolvedOptions {
  return {
    maxConcurrentPrompts: o.maxConcurrentPrompts ?? 4,
    maxConcurrentPosts: o.maxConcurrentPosts ?? 16,
    runTimeoutMs: o.runTimeoutMs ?? 5 * 60_000,
    maxSleepMs: o.maxSleepMs ?? 60_000,
    onTimeMs: o.onTimeMs ?? 2 * 60_000,
    defaultGraceMs: o.defaultGraceMs ?? 60 * 60_000,
    retry: retryPolicy(o.retryDelaysMs),
    maxConsecutiveFailures: o.maxConsecutiveFailures ?? 3,
    claimBatch: o.claimBatch ?? 64,
    maxJobsPerUser: o.maxJobsPerUser ?? 100,
    minIntervalMs: {
      prompt: o.minPromptIntervalMs ?? DEFAULT_MIN_INTERVAL_MS.prompt,
      reminder: DEFAULT_MIN_INTERVAL_MS.reminder,
    },
    stopTimeoutMs: o.stopTimeoutMs ?? 10_000,
    minTickGapMs: o.minTickGapMs ?? 20,
    undoWindowMs: o.undoWindowMs ?? UNDO_WINDOW_MS,
  };
}

/** What the scheduler's parts share: its deps, resolved options, identity and the way to wake its loop. */
export interface SchedulerContext {
  deps: SchedulerDeps;
  store: Store;
  clock: Clock;
  outbox: Outbox;
  log: Logger;
  opt: ResolvedOptions;
  instanceId: string;
  /** How long a claim holds before another instance may take the run over. */
  leaseMs: number;
  cards: JobCards;
  /** Cuts the loop's sleep short (something new may be due). */
  wake(): void;
}

/** Where a job posts. */
export function chatRefOf(job: Job): ChatRef {
  return { chatId: job.chatId, ...(job.topicId !== undefined ? { topicId: job.topicId } : {}) };
}

/** The language of a job owner's texts (English when unknown or the lookup fails). */
export async function ownerLocale(deps: SchedulerDeps, userId: number): Promise<Locale> {
  return (await deps.localeOf?.(userId).catch(() => undefined)) ?? 'en';
}

/** A group's own time zone when it has one, else the person's. */
export async function zoneOf(deps: SchedulerDeps, userId: number, chatId: number): Promise<string> {
  const group = chatId < 0 ? await deps.chatTimezoneOf?.(chatId) : undefined;
  return group ?? deps.timezoneOf(userId);
}
