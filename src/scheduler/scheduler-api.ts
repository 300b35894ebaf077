import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { RoutineRunner } from '../core/routines.ts';
import type { ChatRef, Delivery, Outbox } from '../core/outbox.ts';
import type { ChatType, Suspension, TurnRequest, TurnRunner } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Store } from '../store/db.ts';
import type { Job, JobKind, MissedPolicy } from './job.ts';
import type { ResolvedSchedule, When } from './schedule.ts';

/** Tunables; every field has a sensible default. */
export interface SchedulerOptions {
  /** Scheduled prompts (Network turns) running at once. Default 4. */
  maxConcurrentPrompts?: number;
  /** Reminder/notice posts in flight at once. Default 16. */
  maxConcurrentPosts?: number;
  /** A prompt run is aborted after this long. Default 5 min. */
  runTimeoutMs?: number;
  /** The timer never sleeps longer than this (jobs created by another process are seen within it). Default 60 s. */
  maxSleepMs?: number;
  /** Lateness up to which an occurrence is simply run (slow tick, short restart). Default 2 min. */
  onTimeMs?: number;
  /** Default grace window for `run_once_within_grace`. Default 1 h. */
  defaultGraceMs?: number;
  /**
   * Explicit delays before re-sending after a transient delivery error; its length bounds the attempts. Default:
   * exponential backoff, 3 retries (15 s, 1 min, 4 min).
   */
  retryDelaysMs?: number[];
  /** Failed runs in a row that pause a job. Default 3. */
  maxConsecutiveFailures?: number;
  /** Occurrences claimed per database transaction. Default 64. */
  claimBatch?: number;
  /** Active jobs one user may have (checked in the insert's transaction). Default 100. */
  maxJobsPerUser?: number;
  /** Shortest gap between two runs of a scheduled prompt (each run calls the model). Default 15 min; reminders 1 min. */
  minPromptIntervalMs?: number;
  /** How long `stop()` waits for running jobs before aborting them. Default 10 s. */
  stopTimeoutMs?: number;
  /** Shortest gap between two due passes, so a burst is claimed in batches. Default 20 ms. */
  minTickGapMs?: number;
  /** Identifies this instance in `job_runs.claimed_by`. Default a new id. */
  instanceId?: string;
  /** How long a deleted job can be restored (Undo) before it is purged. Default 5 min. */
  undoWindowMs?: number;
}

/** Hands a run that needs a person's approval to the approvals service. */
export interface SuspensionHandler {
  onSuspended(request: TurnRequest, suspension: Suspension): Promise<unknown>;
}

/** What the scheduler needs from the rest of the app. */
export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  turnRunner: TurnRunner;
  /** The user's IANA time zone (falls back to DEFAULT_TIMEZONE). */
  timezoneOf(userId: number): Promise<string>;
  /** The language of the bot's texts for a user (absent: English). */
  localeOf?(userId: number): Promise<Locale>;
  /** A group's own time zone, when an admin set one: group jobs use it instead of their creator's. */
  chatTimezoneOf?(chatId: number): Promise<string | undefined>;
  newId: IdGen;
  approvals?: SuspensionHandler;
  /** Whether the bot still serves this user; a job of someone who lost access is paused instead of run. */
  isServed?: (userId: number) => Promise<boolean>;
  /** Skills and workflows a job can run (src/app-routines.ts); without it, a job naming one is refused. */
  routines?: RoutineRunner;
  options?: SchedulerOptions;
}

/** A new job, as a tool or command asks for it. */
export interface CreateJobInput {
  ownerUserId: number;
  chat: ChatRef & { type: ChatType };
  kind: JobKind;
  /** Reminder text or the prompt for the Network (for a routine: ignored, the job shows the routine's label). */
  text: string;
  /** A skill or workflow to run instead of the text, by name; checked with `SchedulerDeps.routines.resolve`. */
  routine?: { skill?: string; workflow?: string; params?: Record<string, string> };
  when: When;
  /** Overrides the user's time zone (validated). */
  timezone?: string;
  missedPolicy?: MissedPolicy;
  graceMinutes?: number;
  /** Post the confirmation card (with its "Cancel reminder" button) through the outbox. Default true. */
  announce?: boolean;
  /** Idempotency key: a second create with the same key returns the job the first one made. */
  requestKey?: string;
}

/** The result of `create`. */
export interface CreatedJob {
  job: Job;
  resolved: ResolvedSchedule;
  /** The next (up to) three runs, epoch ms. */
  nextRuns: number[];
  /** Human confirmation: resolved local time, next runs, notes. */
  summary: string;
  /** Delivery of the confirmation card, when announced. */
  card?: Delivery;
}

/** The fields `update` may change. */
export interface UpdateJobInput {
  text?: string;
  when?: When;
  timezone?: string;
  enabled?: boolean;
  missedPolicy?: MissedPolicy;
}

/** The outcome of an Undo press. */
export type RestoreResult = { ok: true; job: Job } | { ok: false; reason: 'too_late' };

/** What one due pass did. */
export interface TickReport {
  claimed: number;
  skipped: number;
}

/** Scheduled reminders and prompts: create, change, fire, recover. */
export interface Scheduler {
  /** Recovers missed and interrupted runs, then arms the timer. */
  start(): Promise<void>;
  /** Stops the timer, waits for running jobs (bounded) and releases unfinished claims. */
  stop(): Promise<void>;
  /** Runs one due pass now and waits until every run in flight has finished. For tests and operations. */
  tick(): Promise<TickReport>;
  /** Waits until no run is in flight. */
  idle(): Promise<void>;
  create(input: CreateJobInput): Promise<CreatedJob>;
  get(id: string): Promise<Job | undefined>;
  /**
   * Active and paused jobs of a user (optionally in one chat), or of everyone in a chat, soonest first. Completed
   * one-shots and deleted jobs are left out; `deletedSince` adds the ones deleted since then (still restorable).
   */
  list(filter: { ownerUserId?: number; chatId?: number; deletedSince?: number }): Promise<Job[]>;
  update(id: string, patch: UpdateJobInput): Promise<{ job: Job; nextRuns: number[]; summary: string }>;
  pause(id: string, reason?: string): Promise<Job>;
  resume(id: string): Promise<Job>;
  /** Deletes a job for good (no Undo). */
  delete(id: string): Promise<boolean>;
  /**
   * Deletes a job so it can be brought back: it stops at once and `restore(token)` restores it within the Undo
   * window. `except`: a message showing its card that the caller edits itself. Undefined when already deleted.
   */
  remove(id: string, options?: { except?: number }): Promise<{ job: Job; token: string } | undefined>;
  /** Undo: restores the deleted job with its next run recomputed, or says it is too late (window passed, purged). */
  restore(
    token: string,
    options?: { except?: number; card?: { messageId: number; solo: boolean } },
  ): Promise<RestoreResult>;
  /** Deletes for good the jobs whose Undo window has passed (also done by the timer loop). */
  purgeDeleted(): Promise<number>;
  /** The deleted job an Undo token names, while it can still be restored. */
  findDeleted(token: string): Promise<Job | undefined>;
  /** "Change time": `userId`'s next message in the job's chat is its new time (for 10 minutes). */
  awaitNewTime(id: string, userId: number): Promise<void>;
  /** The job `userId` is typing a new time for in this chat, if any. */
  awaitingNewTime(chatId: number, userId: number): Promise<Job | undefined>;
  /** Ends a "Change time" prompt; false when none was open. */
  stopAwaitingNewTime(id: string): Promise<boolean>;
  /** Fires one extra occurrence now without shifting the schedule. Resolves once claimed; the run continues in the background. */
  runNow(id: string): Promise<{ scheduledFor: number }>;
  /** Creates a one-shot reminder after the given occurrence; pressing twice returns the first snooze. */
  snooze(
    jobId: string,
    scheduledFor: number,
    choice: '10m' | '1h' | 'tm',
  ): Promise<{ job: Job; at: number; already: boolean }>;
  /** Next runs of a job after now. */
  upcoming(job: Job, n: number): number[];
  /** Moves jobs to a group's new supergroup id (wire to the outbox's `onChatMigrated`). Returns the jobs moved. */
  migrateChat(fromChatId: number, toChatId: number): Promise<number>;
  readonly instanceId: string;
}
