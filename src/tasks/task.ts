import type { ChatRef } from '../core/outbox.ts';
import type { ChatType } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';

/** Where a task is: waiting for a slot, running, handed to an approval (the approval flow answers), or ended. */
export type TaskStatus = 'queued' | 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';

/** One background task as stored. */
export interface Task {
  id: string;
  userId: number;
  chat: ChatRef & { type: ChatType };
  /** The user's message the chat turn answered; the result replies to it. */
  requestMessageId?: number;
  title: string;
  /** Self-contained description of the work, written by the router for the task's own turn. */
  description: string;
  timezone: string;
  locale?: Locale;
  /** The chat turn had read text from outside (a page, a forwarded message): the task's turn starts untrusted. */
  untrusted: boolean;
  status: TaskStatus;
  attempts: number;
  claimedBy?: string;
  leaseUntil?: number;
  error?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** Limits and timings of the task runner. */
export interface TaskOptions {
  /** Tasks of one user running at once (default 2). */
  perUserRunning: number;
  /** Tasks of one user waiting for a slot; one more is refused (default 3). */
  perUserQueued: number;
  /** Tasks running at once over all users and instances (default 8). */
  globalRunning: number;
  /** Tasks queued or running over all users; one more is refused (default 100). */
  globalActive: number;
  /** A running task's claim; renewed every third of it. A crashed instance's task is taken over after it. */
  leaseMs: number;
  /** Tries before a task that keeps being interrupted (crashes) is failed with a message (default 3). */
  maxAttempts: number;
  /** One try's time limit (default 15 minutes). */
  runTimeoutMs: number;
  /** How long `stop()` waits for running tasks before it interrupts them (they run again at the next start). */
  drainMs: number;
}

export const DEFAULT_TASK_OPTIONS: TaskOptions = {
  perUserRunning: 2,
  perUserQueued: 3,
  globalRunning: 8,
  globalActive: 100,
  leaseMs: 60_000,
  maxAttempts: 3,
  runTimeoutMs: 15 * 60_000,
  drainMs: 5_000,
};
