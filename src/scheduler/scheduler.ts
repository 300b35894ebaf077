import type { Clock, IdGen } from '../core/clock.ts';
import { AppError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Delivery, OutMessage, Outbox } from '../core/outbox.ts';
import type { ChatType, Suspension, TurnOutcome, TurnRequest, TurnRunner } from '../core/turn.ts';
import type { Store, WriteTx } from '../store/db.ts';
import type { Locale } from '../i18n/locale.ts';
import { type Job, type JobKind, type MissedPolicy, jobFromRow } from './job.ts';
import { pauseJobsOfUser } from './pause-owner.ts';
import { UNDO_WINDOW_MS, canUndo } from '../core/undo.ts';
import { createJobCards, recordCards } from './cards.ts';
import { PAUSE_REASONS, cardKeyboard, createdSummary, quote, reminderKeyboard } from './messages.ts';
import { beginTimeEdit, endTimeEdit, pendingTimeEdit } from './edits.ts';
import { deletedByToken, markDeleted, markRestored, purgeDeleted } from './trash.ts';
import {
  type ResolvedSchedule,
  type Schedule,
  ScheduleError,
  type When,
  assertTimeZone,
  cronFor,
  nextRunAfter,
  nextRuns,
  resolveWhen,
  snoozeTarget,
} from './schedule.ts';
import { DEFAULT_MIN_INTERVAL_MS, assertMinInterval } from './frequency.ts';
import { createSemaphore } from './semaphore.ts';
import { formatLocal } from './zoned.ts';
import { type JobRunVariant, jobCardKey, jobRunKey } from '../core/keys/dedupe-keys.ts';

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
  /** Delays before re-sending after a transient delivery error; its length bounds the attempts. Default 15 s, 1 min, 5 min. */
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
  options?: SchedulerOptions;
}

export interface CreateJobInput {
  ownerUserId: number;
  chat: ChatRef & { type: ChatType };
  kind: JobKind;
  /** Reminder text or the prompt for the Network. */
  text: string;
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

export interface UpdateJobInput {
  text?: string;
  when?: When;
  timezone?: string;
  enabled?: boolean;
  missedPolicy?: MissedPolicy;
}

/** The outcome of an Undo press. */
export type RestoreResult = { ok: true; job: Job } | { ok: false; reason: 'too_late' };

export interface TickReport {
  claimed: number;
  skipped: number;
}

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

/** A claimed occurrence ready to execute. */
interface Claimed {
  job: Job;
  scheduledFor: number;
  trigger: 'schedule' | 'late' | 'manual' | 'missed_notice';
  attempts: number;
  /** Set on retries of prompts: the answer computed before, so the Network is not asked again. */
  result?: OutMessage;
  missedCount?: number;
}

const JOB_COLUMNS = '*';
const MAX_TEXT = 2000;

/** Creates the scheduler. Nothing runs until `start()`. */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { store, clock, outbox } = deps;
  const o = deps.options ?? {};
  const opt = {
    maxConcurrentPrompts: o.maxConcurrentPrompts ?? 4,
    maxConcurrentPosts: o.maxConcurrentPosts ?? 16,
    runTimeoutMs: o.runTimeoutMs ?? 5 * 60_000,
    maxSleepMs: o.maxSleepMs ?? 60_000,
    onTimeMs: o.onTimeMs ?? 2 * 60_000,
    defaultGraceMs: o.defaultGraceMs ?? 60 * 60_000,
    retryDelaysMs: o.retryDelaysMs ?? [15_000, 60_000, 5 * 60_000],
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
  const instanceId = o.instanceId ?? `sch-${deps.newId()}`;
  const log = deps.log.child({ module: 'scheduler', instance: instanceId });
  const leaseMs = opt.runTimeoutMs + 60_000;
  const prompts = createSemaphore(opt.maxConcurrentPrompts);
  const cards = createJobCards({ store, outbox, clock, log });
  let lastPurgeAt = Number.NEGATIVE_INFINITY;
  const posts = createSemaphore(opt.maxConcurrentPosts);

  /** Runs in flight in this instance, by `jobId:scheduledFor`, with their abort controllers. */
  const inFlight = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  let queued = 0;
  let started = false;
  let stopped = false;
  let loopDone: Promise<void> | undefined;
  let sleeper: AbortController | undefined;
  let tickChain: Promise<unknown> = Promise.resolve();
  let backlog = false;

  const keyOf = (jobId: string, sf: number) => `${jobId}:${sf}`;
  const chatRefOf = (job: Job): ChatRef => ({
    chatId: job.chatId,
    ...(job.topicId !== undefined ? { topicId: job.topicId } : {}),
  });

  function wake(): void {
    sleeper?.abort();
  }

  // ---------- reading ----------

  async function getJob(id: string): Promise<Job | undefined> {
    const row = await store.get(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`, [id]);
    return row ? jobFromRow(row) : undefined;
  }

  async function mustGet(id: string): Promise<Job> {
    const job = await getJob(id);
    if (!job || job.deletedAt !== null)
      throw new ScheduleError("I can't find that job — it may have been deleted. Use /jobs to see your jobs.");
    return job;
  }

  // ---------- deciding what a due job does ----------

  interface Decision {
    run?: { scheduledFor: number; trigger: Claimed['trigger']; missedCount?: number };
    record?: { scheduledFor: number; status: 'skipped'; error: string };
    next: number | null;
  }

  function countBetween(schedule: Schedule, from: number, to: number, cap = 100): number {
    if (schedule.type === 'once') return from <= to ? 1 : 0;
    const c = cronFor(schedule.expression, schedule.timezone);
    let n = 0;
    let t: number | null = from;
    while (t !== null && t <= to && n < cap) {
      n++;
      t = c.nextRun(new Date(t))?.getTime() ?? null;
    }
    return n;
  }

  /** The latest occurrence in [max(first, now - grace), now], or null. Bounded by the grace window. */
  function latestWithinGrace(schedule: Schedule, first: number, now: number, graceMs: number): number | null {
    const floor = Math.max(first, now - graceMs);
    if (schedule.type === 'once') return schedule.at >= floor && schedule.at <= now ? schedule.at : null;
    const c = cronFor(schedule.expression, schedule.timezone);
    let t = c.nextRun(new Date(floor - 1))?.getTime() ?? null;
    if (t === null || t > now) return null;
    for (let i = 0; i < 10_000; i++) {
      const n: number | null = c.nextRun(new Date(t))?.getTime() ?? null;
      if (n === null || n > now) break;
      t = n;
    }
    return t;
  }

  function decide(job: Job, now: number): Decision {
    const due = job.nextRunAt as number;
    const lateness = now - due;
    if (lateness <= opt.onTimeMs) {
      return { run: { scheduledFor: due, trigger: 'schedule' }, next: nextRunAfter(job.schedule, due) };
    }
    const next = nextRunAfter(job.schedule, now);
    const missed = countBetween(job.schedule, due, now);
    const missedText = `${missed >= 100 ? '100+' : missed} missed while offline`;
    if (job.missedPolicy === 'skip') {
      return { record: { scheduledFor: due, status: 'skipped', error: missedText }, next };
    }
    if (job.missedPolicy === 'notify') {
      return { run: { scheduledFor: due, trigger: 'missed_notice', missedCount: missed }, next };
    }
    const latest = latestWithinGrace(job.schedule, due, now, job.graceMs);
    if (latest === null) {
      return {
        record: { scheduledFor: due, status: 'skipped', error: `${missedText}, outside the grace window` },
        next,
      };
    }
    return {
      run: { scheduledFor: latest, trigger: 'late' },
      ...(latest !== due
        ? {
            record: {
              scheduledFor: due,
              status: 'skipped' as const,
              error: `${missed - 1} earlier occurrence(s) skipped`,
            },
          }
        : {}),
      next,
    };
  }

  // ---------- claiming ----------

  async function insertRun(
    tx: WriteTx,
    jobId: string,
    sf: number,
    trigger: Claimed['trigger'],
    now: number,
  ): Promise<boolean> {
    const r = await tx.run(
      `INSERT INTO job_runs (job_id, scheduled_for, trigger, claimed_by, status, attempts, attention_at, started_at, created_at)
       VALUES (?, ?, ?, ?, 'claimed', 1, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [jobId, sf, trigger, instanceId, now + leaseMs, now, now],
    );
    return r.changes === 1;
  }

  /** Claims due occurrences and advances `next_run_at`, in one write transaction. */
  async function claimDue(now: number, limit: number): Promise<{ claimed: Claimed[]; skipped: number; full: boolean }> {
    // A cheap indexed read first: most wake-ups of a busy instance find nothing new, and reads don't take the write lock.
    const any = await store.get('SELECT 1 AS x FROM jobs WHERE enabled = 1 AND next_run_at <= ? LIMIT 1', [now]);
    if (!any) return { claimed: [], skipped: 0, full: false };
    return store.write(async (tx) => {
      const rows = await tx.query(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at LIMIT ?`,
        [now, limit],
      );
      const claimed: Claimed[] = [];
      let skipped = 0;
      for (const row of rows) {
        let job: Job;
        let decision: Decision;
        try {
          job = jobFromRow(row);
          decision = decide(job, now);
        } catch (err) {
          const message = toError(err).message;
          log.error({ jobId: row.id, err: toError(err) }, 'job cannot be scheduled; pausing it');
          await tx.run(
            'UPDATE jobs SET enabled = 0, paused_reason = ?, last_error = ?, updated_at = ? WHERE id = ? AND enabled = 1',
            ['its schedule is unreadable; delete it and create it again', message.slice(0, 300), now, String(row.id)],
          );
          continue;
        }
        const done = decision.next === null;
        const advanced = await tx.run(
          `UPDATE jobs SET next_run_at = ?, enabled = ?, completed_at = ?, updated_at = ?
           WHERE id = ? AND enabled = 1 AND next_run_at = ?`,
          [decision.next, done ? 0 : 1, done ? now : null, now, job.id, job.nextRunAt],
        );
        if (advanced.changes !== 1) continue; // another instance got here first
        if (decision.record) {
          await tx.run(
            `INSERT INTO job_runs (job_id, scheduled_for, trigger, claimed_by, status, attempts, started_at, finished_at, error, created_at)
             VALUES (?, ?, 'schedule', ?, 'skipped', 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
            [job.id, decision.record.scheduledFor, instanceId, now, now, decision.record.error, now],
          );
          await tx.run('UPDATE jobs SET last_status = ?, last_error = ? WHERE id = ?', [
            'skipped',
            decision.record.error,
            job.id,
          ]);
          skipped++;
          log.info({ jobId: job.id, scheduledFor: decision.record.scheduledFor }, decision.record.error);
        }
        if (decision.run && (await insertRun(tx, job.id, decision.run.scheduledFor, decision.run.trigger, now))) {
          const current = { ...job, nextRunAt: decision.next, enabled: !done };
          claimed.push({
            job: current,
            scheduledFor: decision.run.scheduledFor,
            trigger: decision.run.trigger,
            attempts: 1,
            ...(decision.run.missedCount !== undefined ? { missedCount: decision.run.missedCount } : {}),
          });
        }
      }
      return { claimed, skipped, full: rows.length >= limit };
    });
  }

  /** Re-claims runs waiting for a retry, and runs whose claimer disappeared (lease expired). */
  async function claimRetries(now: number, limit: number): Promise<Claimed[]> {
    const any = await store.get(
      "SELECT 1 AS x FROM job_runs WHERE status IN ('claimed','retry') AND attention_at <= ? LIMIT 1",
      [now],
    );
    if (!any) return [];
    return store.write(async (tx) => {
      const runs = await tx.query(
        `SELECT job_id, scheduled_for, trigger, status, attempts, attention_at, result FROM job_runs
         WHERE status IN ('claimed','retry') AND attention_at <= ? ORDER BY attention_at LIMIT ?`,
        [now, limit],
      );
      const claimed: Claimed[] = [];
      for (const r of runs) {
        const jobId = String(r.job_id);
        const sf = Number(r.scheduled_for);
        if (inFlight.has(keyOf(jobId, sf))) continue;
        const attempts = Number(r.attempts) + 1;
        const jobRow = await tx.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ? AND deleted_at IS NULL`, [jobId]);
        const maxAttempts = opt.retryDelaysMs.length + 1;
        if (!jobRow[0] || attempts > maxAttempts) {
          await tx.run(
            `UPDATE job_runs SET status = 'failed', finished_at = ?, attention_at = NULL, error = ?
             WHERE job_id = ? AND scheduled_for = ? AND status = ? AND attention_at = ?`,
            [
              now,
              jobRow[0] ? 'gave up after repeated attempts' : 'job was deleted',
              jobId,
              sf,
              r.status as string,
              Number(r.attention_at),
            ],
          );
          continue;
        }
        const took = await tx.run(
          `UPDATE job_runs SET claimed_by = ?, status = 'claimed', attempts = ?, attention_at = ?
           WHERE job_id = ? AND scheduled_for = ? AND status = ? AND attention_at = ?`,
          [instanceId, attempts, now + leaseMs, jobId, sf, r.status as string, Number(r.attention_at)],
        );
        if (took.changes !== 1) continue;
        let job: Job;
        try {
          job = jobFromRow(jobRow[0]);
        } catch {
          continue;
        }
        let result: OutMessage | undefined;
        if (typeof r.result === 'string') {
          try {
            result = JSON.parse(r.result) as OutMessage;
          } catch {
            result = undefined;
          }
        }
        claimed.push({
          job,
          scheduledFor: sf,
          trigger: (r.trigger as Claimed['trigger']) ?? 'schedule',
          attempts,
          ...(result ? { result } : {}),
        });
      }
      return claimed;
    });
  }

  // ---------- executing ----------

  function launch(c: Claimed): void {
    const key = keyOf(c.job.id, c.scheduledFor);
    const abort = new AbortController();
    queued++;
    const promise = (async () => {
      const sem = c.job.kind === 'prompt' && !c.result && c.trigger !== 'missed_notice' ? prompts : posts;
      const release = await sem.acquire();
      queued--;
      try {
        await execute(c, abort.signal);
      } catch (err) {
        log.error({ jobId: c.job.id, scheduledFor: c.scheduledFor, err: toError(err) }, 'scheduled run crashed');
      } finally {
        release();
        inFlight.delete(key);
        if (backlog) wake();
      }
    })();
    inFlight.set(key, { promise, abort });
  }

  async function runPrompt(
    c: Claimed,
    signal: AbortSignal,
    runLog: Logger,
  ): Promise<{ outcome: TurnOutcome; request: TurnRequest }> {
    const job = c.job;
    let timezone = job.timezone;
    try {
      timezone = await zoneOf(job.ownerUserId, job.chatId);
    } catch (err) {
      runLog.warn({ err: toError(err) }, 'time zone lookup failed; using the job time zone');
    }
    const timeout = new AbortController();
    const combined = AbortSignal.any([signal, timeout.signal]);
    const request: TurnRequest = {
      turnId: jobRunKey.encode({ jobId: job.id, scheduledFor: c.scheduledFor, variant: 'run' }),
      userId: job.ownerUserId,
      chat: { ...chatRefOf(job), type: job.chatType },
      text: job.text,
      attachments: [],
      source: 'schedule',
      timezone,
      ...(deps.localeOf ? { locale: await deps.localeOf(job.ownerUserId) } : {}),
      signal: combined,
    };
    const cancelTimer = new AbortController();
    const timer = clock
      .sleep(opt.runTimeoutMs, cancelTimer.signal)
      .then(() => {
        timeout.abort(new AppError('aborted', 'scheduled run timed out'));
      })
      .catch(() => undefined);
    try {
      const outcome = await Promise.race([
        deps.turnRunner.run(request),
        new Promise<never>((_, reject) => {
          combined.addEventListener(
            'abort',
            () => reject(new AppError('aborted', 'scheduled run timed out or was stopped')),
            {
              once: true,
            },
          );
        }),
      ]);
      return { outcome, request };
    } finally {
      cancelTimer.abort();
      await timer;
    }
  }

  function missedNotice(c: Claimed): OutMessage {
    const job = c.job;
    const n = c.missedCount ?? 1;
    const when = formatLocal(c.scheduledFor, job.timezone);
    const next = job.nextRunAt !== null ? ` Next: ${formatLocal(job.nextRunAt, job.timezone)}.` : '';
    return {
      text: `⏰ While I was offline I missed ${quote(job.text, 120)} (due ${when}${n > 1 ? `, ${n >= 100 ? '100+' : n} times` : ''}).${next}`,
      format: 'plain',
    };
  }

  async function execute(c: Claimed, signal: AbortSignal): Promise<void> {
    const job = c.job;
    const runLog = log.child({ jobId: job.id, scheduledFor: c.scheduledFor, trigger: c.trigger, attempt: c.attempts });
    let message = c.result;
    let failedRun: string | undefined;
    let variant: JobRunVariant = 'run';
    try {
      if (deps.isServed && !(await deps.isServed(job.ownerUserId))) {
        await pauseJobsOfUser(store, job.ownerUserId, clock.now());
        await finish(c, { status: 'skipped', ok: true, error: 'the owner no longer has access' });
        runLog.warn('job owner no longer has access: run skipped, their jobs paused');
        return;
      }
      if (c.trigger === 'missed_notice') {
        message = missedNotice(c);
        variant = 'missed';
      } else if (!message && job.kind === 'reminder') {
        message = { text: `⏰ ${job.text}`, format: 'plain', keyboard: reminderKeyboard(job.id, c.scheduledFor) };
      } else if (!message) {
        const { outcome, request } = await runPrompt(c, signal, runLog);
        if (outcome.status === 'suspended' && outcome.suspension) {
          if (deps.approvals) {
            await deps.approvals.onSuspended(request, outcome.suspension);
            await finish(c, { status: 'awaiting_approval', ok: true });
            runLog.info('scheduled run waits for approval');
            return;
          }
          failedRun = 'needs approval, but approvals are not available';
          message = {
            text: `🗓 ${quote(job.text, 80)} needs your approval for a step, but approvals aren't set up on this bot, so I skipped it.`,
            format: 'plain',
          };
        } else if (outcome.status === 'failed') {
          failedRun = outcome.error?.message ?? 'the run failed';
          message = {
            text: outcome.text || `🗓 ${quote(job.text, 80)} failed this time. I'll try again at the next run.`,
            format: 'markdown',
          };
        } else if (outcome.status === 'stopped' && !outcome.text.trim()) {
          await finish(c, { status: 'stopped', ok: true });
          return;
        } else {
          message = {
            text: `🗓 ${quote(job.text, 80)}\n\n${outcome.text.trim() || 'I had nothing to report this time.'}`,
            format: 'markdown',
            ...(outcome.keyboard ? { keyboard: outcome.keyboard } : {}),
          };
        }
        // Keep the answer so a delivery retry does not ask the Network again.
        await store.run('UPDATE job_runs SET result = ? WHERE job_id = ? AND scheduled_for = ?', [
          JSON.stringify(message),
          job.id,
          c.scheduledFor,
        ]);
      }
    } catch (err) {
      const e = toError(err);
      runLog.warn({ err: e }, 'scheduled run failed before delivery');
      if (signal.aborted && stopped) return; // released by stop(); another instance or the next start retries it
      await failOrRetry(c, e.message, runLog);
      return;
    }

    const dedupeKey = jobRunKey.encode({ jobId: job.id, scheduledFor: c.scheduledFor, variant });
    const delivery = await outbox.send(chatRefOf(job), { ...message, dedupeKey });
    if (delivery.ok) {
      const messageId = delivery.messageIds[0];
      await finish(c, {
        status: failedRun ? 'failed' : c.trigger === 'missed_notice' ? 'missed' : 'delivered',
        ok: !failedRun,
        ...(failedRun ? { error: failedRun } : {}),
        ...(messageId !== undefined ? { messageId } : {}),
      });
      runLog.info({ messageId, late: c.trigger === 'late' }, 'scheduled run delivered');
      if (job.cardMessageId !== null && job.nextRunAt === null) {
        // Its last run: the card's "Cancel" no longer applies; it now says when it was sent.
        const settled = await getJob(job.id);
        if (settled?.completedAt != null) await cards.refresh(settled);
      }
      return;
    }
    if (delivery.reason === 'blocked' || delivery.reason === 'chat_not_found') {
      const reason = PAUSE_REASONS[delivery.reason];
      await finish(c, { status: 'failed', ok: false, error: delivery.message, countFailure: false });
      const paused = await store.run(
        `UPDATE jobs SET enabled = 0, paused_reason = ?, last_error = ?, updated_at = ?
         WHERE chat_id = ? AND enabled = 1 AND completed_at IS NULL`,
        [reason, delivery.message.slice(0, 300), clock.now(), job.chatId],
      );
      await store.run('UPDATE jobs SET paused_reason = ? WHERE id = ? AND completed_at IS NULL', [reason, job.id]);
      runLog.warn({ reason: delivery.reason, pausedJobs: paused.changes }, 'chat unreachable; paused its jobs');
      return;
    }
    await failOrRetry(c, delivery.message, runLog, message);
  }

  async function failOrRetry(c: Claimed, error: string, runLog: Logger, message?: OutMessage): Promise<void> {
    const delay = opt.retryDelaysMs[c.attempts - 1];
    if (delay !== undefined) {
      const at = clock.now() + delay;
      await store.run(
        `UPDATE job_runs SET status = 'retry', attention_at = ?, error = ?, result = COALESCE(?, result)
         WHERE job_id = ? AND scheduled_for = ? AND claimed_by = ?`,
        [at, error.slice(0, 500), message ? JSON.stringify(message) : null, c.job.id, c.scheduledFor, instanceId],
      );
      runLog.info({ retryInMs: delay }, 'delivery failed; will retry');
      wake();
      return;
    }
    await finish(c, { status: 'failed', ok: false, error });
  }

  type FinishResult = { status: string; ok: boolean; error?: string; messageId?: number; countFailure?: boolean };
  interface FinishEntry {
    c: Claimed;
    r: FinishResult;
    now: number;
    resolve(autoPausedAfter: number | undefined): void;
    reject(err: unknown): void;
  }
  const finishQueue: FinishEntry[] = [];
  let flushing: Promise<void> | undefined;

  /** Group commit: every finish waiting while a write runs goes into the next single transaction. */
  async function flushFinishes(): Promise<void> {
    while (finishQueue.length > 0) {
      const batch = finishQueue.splice(0, 256);
      try {
        const results = await store.write(async (tx) => {
          const out: (number | undefined)[] = [];
          for (const e of batch) out.push(await finishInTx(tx, e));
          return out;
        });
        batch.forEach((e, i) => {
          e.resolve(results[i]);
        });
      } catch (err) {
        for (const e of batch) e.reject(err);
      }
    }
    flushing = undefined;
  }

  /** Records a run's end and the job's last status; returns the failure count when this run auto-paused the job. */
  async function finishInTx(tx: WriteTx, { c, r, now }: FinishEntry): Promise<number | undefined> {
    const job = c.job;
    const error = r.error ? r.error.slice(0, 500) : null;
    await tx.run(
      `UPDATE job_runs SET status = ?, finished_at = ?, attention_at = NULL, error = ?, message_id = ?
       WHERE job_id = ? AND scheduled_for = ?`,
      [r.status, now, error, r.messageId ?? null, job.id, c.scheduledFor],
    );
    const failing = !r.ok && r.countFailure !== false;
    await tx.run(
      `UPDATE jobs SET last_run_at = ?, last_status = ?, last_error = ?,
         consecutive_failures = CASE WHEN ? THEN consecutive_failures + 1 ELSE 0 END, updated_at = ?
       WHERE id = ?`,
      [c.scheduledFor, r.status, error, failing ? 1 : 0, now, job.id],
    );
    if (!failing) return undefined;
    const rows = await tx.query('SELECT consecutive_failures, enabled FROM jobs WHERE id = ?', [job.id]);
    const failures = Number(rows[0]?.consecutive_failures ?? 0);
    if (failures >= opt.maxConsecutiveFailures && Number(rows[0]?.enabled) === 1) {
      const reason = `paused after ${failures} failed runs in a row (last: ${(error ?? 'unknown error').slice(0, 120)}). Tap Resume in /jobs to try again`;
      await tx.run('UPDATE jobs SET enabled = 0, paused_reason = ?, updated_at = ? WHERE id = ?', [
        reason,
        now,
        job.id,
      ]);
      return failures;
    }
    return undefined;
  }

  async function finish(c: Claimed, r: FinishResult): Promise<void> {
    const job = c.job;
    const after = await new Promise<number | undefined>((resolve, reject) => {
      finishQueue.push({ c, r, now: clock.now(), resolve, reject });
      if (!flushing) flushing = flushFinishes();
    });
    if (after !== undefined) {
      log.warn({ jobId: job.id, failures: after }, 'job auto-paused after consecutive failures');
      const notice = await outbox.send(chatRefOf(job), {
        text: `⏸ I paused ${quote(job.text, 80)} after ${after} failed runs in a row. Check /jobs and tap Resume when it should run again.`,
        format: 'plain',
        dedupeKey: jobRunKey.encode({ jobId: job.id, scheduledFor: c.scheduledFor, variant: 'paused' }),
      });
      if (!notice.ok) log.warn({ jobId: job.id, reason: notice.reason }, 'could not post the auto-pause notice');
    }
  }

  // ---------- the loop ----------

  async function tickInner(): Promise<TickReport> {
    const now = clock.now();
    if (now - lastPurgeAt >= 60_000) {
      lastPurgeAt = now;
      try {
        const purged = await purgeDeleted(store, now - opt.undoWindowMs);
        if (purged > 0) log.info({ purged }, 'deleted jobs purged after the undo window');
      } catch (err) {
        log.warn({ err: toError(err) }, 'could not purge deleted jobs; will retry');
      }
    }
    const capacity = Math.max(0, opt.claimBatch * 2 - queued);
    if (capacity === 0) {
      backlog = true;
      return { claimed: 0, skipped: 0 };
    }
    const limit = Math.min(opt.claimBatch, capacity);
    const retries = await claimRetries(now, limit);
    for (const c of retries) launch(c);
    const { claimed, skipped, full } = await claimDue(now, limit);
    for (const c of claimed) launch(c);
    backlog = full;
    return { claimed: claimed.length + retries.length, skipped };
  }

  function serializedTick(): Promise<TickReport> {
    const next = tickChain.then(tickInner);
    tickChain = next.catch(() => undefined);
    return next;
  }

  async function nextWakeDelay(lastClaimed: number): Promise<number> {
    const now = clock.now();
    if (backlog) return queued >= opt.claimBatch * 2 ? 1_000 : 0;
    const row = await store.get(
      `SELECT (SELECT MIN(next_run_at) FROM jobs WHERE enabled = 1) AS due,
              (SELECT MIN(attention_at) FROM job_runs WHERE status IN ('claimed','retry')) AS attention`,
    );
    const candidates = [row?.due, row?.attention].filter((v) => v !== null && v !== undefined).map(Number);
    if (candidates.length === 0) return opt.maxSleepMs;
    const next = Math.min(...candidates);
    const delay = next - now;
    // Something is due but nothing could be claimed (held by another instance or in flight here): don't spin.
    if (delay <= 0) return lastClaimed > 0 ? 0 : 250;
    return Math.min(delay, opt.maxSleepMs);
  }

  async function loop(): Promise<void> {
    let lastClaimed = 0;
    let lastTickAt = Number.NEGATIVE_INFINITY;
    while (!stopped) {
      let delay = 1_000;
      try {
        delay = await nextWakeDelay(lastClaimed);
      } catch (err) {
        log.error({ err: toError(err) }, 'scheduler could not read the next due time');
      }
      // Under load, coalesce: occurrences due within a few ms are claimed together in one transaction.
      delay = Math.max(delay, lastTickAt + opt.minTickGapMs - clock.now());
      if (stopped) break;
      if (delay > 0) {
        sleeper = new AbortController();
        try {
          await clock.sleep(delay, sleeper.signal);
        } catch {
          // woken early
        }
        sleeper = undefined;
      }
      if (stopped) break;
      lastTickAt = clock.now();
      try {
        lastClaimed = (await serializedTick()).claimed;
      } catch (err) {
        lastClaimed = 0;
        log.error({ err: toError(err) }, 'scheduler tick failed');
      }
    }
  }

  async function idle(): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight.values()].map((f) => f.promise));
  }

  // ---------- public operations ----------

  function upcoming(job: Job, n: number): number[] {
    const now = clock.now();
    if (job.schedule.type === 'once') return job.schedule.at > now ? [job.schedule.at] : [];
    return nextRuns(job.schedule, now, n);
  }

  function checkText(text: string, kind: JobKind): string {
    const t = text.trim();
    if (!t)
      throw new ScheduleError(
        kind === 'reminder' ? 'The reminder needs a text.' : 'The scheduled task needs a prompt.',
      );
    if (t.length > MAX_TEXT)
      throw new ScheduleError(`That text is too long (${t.length} characters); keep it under ${MAX_TEXT}.`);
    return t;
  }

  /** A group's own time zone when it has one, else the person's. */
  async function zoneOf(userId: number, chatId: number): Promise<string> {
    const group = chatId < 0 ? await deps.chatTimezoneOf?.(chatId) : undefined;
    return group ?? deps.timezoneOf(userId);
  }

  async function resolveTimezone(userId: number, chatId: number, override?: string): Promise<string> {
    if (override !== undefined) {
      assertTimeZone(override);
      return override;
    }
    const tz = await zoneOf(userId, chatId);
    assertTimeZone(tz);
    return tz;
  }

  const scheduler: Scheduler = {
    instanceId,

    async start() {
      if (started) return;
      started = true;
      stopped = false;
      try {
        await serializedTick();
      } catch (err) {
        log.error({ err: toError(err) }, 'scheduler recovery pass failed; the loop will retry');
      }
      loopDone = loop();
      log.info('scheduler started');
    },

    async stop() {
      if (!started) return;
      stopped = true;
      wake();
      await loopDone;
      await tickChain;
      const all = Promise.all([...inFlight.values()].map((f) => f.promise));
      const cancel = new AbortController();
      const timedOut = await Promise.race([
        all.then(() => false),
        clock.sleep(opt.stopTimeoutMs, cancel.signal).then(
          () => true,
          () => false,
        ),
      ]);
      cancel.abort();
      if (timedOut) {
        for (const f of inFlight.values()) f.abort.abort(new AppError('aborted', 'scheduler stopping'));
        await all;
      }
      // Unfinished claims become available to the next instance at once.
      await store.run(`UPDATE job_runs SET attention_at = ? WHERE claimed_by = ? AND status = 'claimed'`, [
        clock.now(),
        instanceId,
      ]);
      started = false;
      log.info('scheduler stopped');
    },

    async tick() {
      const report = await serializedTick();
      await idle();
      return report;
    },

    idle,

    get: getJob,

    async list({ ownerUserId, chatId, deletedSince }) {
      if (ownerUserId === undefined && chatId === undefined) throw new Error('list needs an owner or a chat');
      const where: string[] = ['completed_at IS NULL'];
      const args: (number | null)[] = [];
      if (ownerUserId !== undefined) {
        where.push('owner_user_id = ?');
        args.push(ownerUserId);
      }
      if (chatId !== undefined) {
        where.push('chat_id = ?');
        args.push(chatId);
      }
      where.push(deletedSince !== undefined ? '(deleted_at IS NULL OR deleted_at >= ?)' : 'deleted_at IS NULL');
      if (deletedSince !== undefined) args.push(deletedSince);
      const rows = await store.query(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE ${where.join(' AND ')}
         ORDER BY enabled DESC, next_run_at IS NULL, next_run_at, created_at`,
        args,
      );
      const jobs: Job[] = [];
      for (const row of rows) {
        try {
          jobs.push(jobFromRow(row));
        } catch (err) {
          log.warn({ jobId: row.id, err: toError(err) }, 'skipping unreadable job');
        }
      }
      return jobs;
    },

    async create(input) {
      const now = clock.now();
      const text = checkText(input.text, input.kind);
      const timezone = await resolveTimezone(input.ownerUserId, input.chat.chatId, input.timezone);
      const earlier = input.requestKey
        ? await store.get('SELECT id FROM jobs WHERE request_key = ?', [input.requestKey])
        : undefined;
      if (earlier) {
        // A replayed request (crash before the turn finished): report the job it already created, post nothing new.
        const job = await mustGet(String(earlier.id));
        const runs = upcoming(job, 3);
        const summary = createdSummary(job, runs, [], now);
        log.info({ jobId: job.id }, 'job create replayed; returning the existing job');
        const firstRun = job.nextRunAt ?? runs[0] ?? now;
        return {
          job,
          resolved: { schedule: job.schedule, firstRun, timezone: job.timezone, description: summary, notes: [] },
          nextRuns: runs,
          summary,
        };
      }
      const resolved = resolveWhen(input.when, now, timezone);
      assertMinInterval(resolved.schedule, input.kind, opt.minIntervalMs[input.kind], now);
      const graceMs =
        input.graceMinutes !== undefined ? Math.max(0, Math.round(input.graceMinutes)) * 60_000 : opt.defaultGraceMs;
      // Count and insert in one write transaction, so parallel creates cannot all pass the check.
      const id = await store.write(async (tx) => {
        if (input.requestKey) {
          // The same call twice at once: the second one gets the first one's job.
          const [same] = await tx.query('SELECT id FROM jobs WHERE request_key = ?', [input.requestKey]);
          if (same) return String(same.id);
        }
        const [active] = await tx.query(
          'SELECT COUNT(*) AS n FROM jobs WHERE owner_user_id = ? AND completed_at IS NULL AND deleted_at IS NULL',
          [input.ownerUserId],
        );
        if (Number(active?.n ?? 0) >= opt.maxJobsPerUser) {
          throw new ScheduleError(
            `You already have ${opt.maxJobsPerUser} scheduled jobs, the maximum. Delete some in /jobs first.`,
          );
        }
        const newId = deps.newId();
        await tx.run(
          `INSERT INTO jobs (id, owner_user_id, chat_id, topic_id, chat_type, kind, text, schedule, timezone, enabled,
             next_run_at, missed_policy, grace_ms, created_at, updated_at, request_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
          [
            newId,
            input.ownerUserId,
            input.chat.chatId,
            input.chat.topicId ?? null,
            input.chat.type,
            input.kind,
            text,
            JSON.stringify(resolved.schedule),
            timezone,
            resolved.firstRun,
            input.missedPolicy ?? 'run_once_within_grace',
            graceMs,
            now,
            now,
            input.requestKey ?? null,
          ],
        );
        return newId;
      });
      wake();
      const job = await mustGet(id);
      const runs = upcoming(job, 3);
      const summary = createdSummary(job, runs, resolved.notes, now);
      let card: Delivery | undefined;
      if (input.announce !== false) {
        card = await outbox.send(chatRefOf(job), {
          text: summary,
          format: 'plain',
          keyboard: cardKeyboard([job], true),
          dedupeKey: jobCardKey.encode({ kind: 'card', ids: [id] }),
        });
        const messageId = card.ok ? card.messageIds.at(-1) : undefined;
        if (messageId !== undefined) await recordCards(store, job.chatId, messageId, [id], true);
        if (!card.ok) log.warn({ jobId: id, reason: card.reason }, 'could not post the confirmation card');
      }
      log.info({ jobId: id, kind: job.kind, nextRunAt: job.nextRunAt, timezone }, 'job created');
      return { job, resolved, nextRuns: runs, summary, ...(card ? { card } : {}) };
    },

    async update(id, patch) {
      const job = await mustGet(id);
      const now = clock.now();
      const sets: string[] = [];
      const args: (string | number | null)[] = [];
      let notes: string[] = [];
      let next: Job = job;
      if (patch.text !== undefined) {
        const text = checkText(patch.text, job.kind);
        sets.push('text = ?');
        args.push(text);
        next = { ...next, text };
      }
      if (patch.missedPolicy !== undefined) {
        sets.push('missed_policy = ?');
        args.push(patch.missedPolicy);
      }
      if (patch.when !== undefined || patch.timezone !== undefined) {
        if (patch.timezone !== undefined) assertTimeZone(patch.timezone);
        const timezone = patch.timezone ?? job.timezone;
        let schedule: Schedule;
        let first: number | null;
        if (patch.when !== undefined) {
          const resolved = resolveWhen(patch.when, now, timezone);
          schedule = resolved.schedule;
          first = resolved.firstRun;
          notes = resolved.notes;
        } else {
          schedule = job.schedule.type === 'cron' ? { ...job.schedule, timezone } : job.schedule;
          first = nextRunAfter(schedule, now);
        }
        sets.push('schedule = ?', 'timezone = ?', 'next_run_at = ?', 'completed_at = NULL');
        args.push(JSON.stringify(schedule), timezone, first);
        next = { ...next, schedule, timezone, nextRunAt: first };
        if (patch.enabled === undefined && first !== null && !job.enabled && job.completedAt !== null) {
          patch = { ...patch, enabled: true };
        }
      }
      if (patch.enabled === true) {
        const first = nextRunAfter(next.schedule, now);
        if (first === null) {
          throw new ScheduleError("That job's time has passed, so it can't be resumed. Give it a new time instead.");
        }
        sets.push(
          'enabled = 1',
          'paused_reason = NULL',
          'consecutive_failures = 0',
          'next_run_at = ?',
          'completed_at = NULL',
        );
        args.push(first);
      } else if (patch.enabled === false) {
        sets.push('enabled = 0', 'paused_reason = ?');
        args.push(PAUSE_REASONS.byUser);
      }
      if (patch.when !== undefined || patch.enabled === true)
        assertMinInterval(next.schedule, job.kind, opt.minIntervalMs[job.kind], now);
      if (sets.length === 0)
        throw new ScheduleError('Nothing to change: give a new text, time, or enabled true/false.');
      sets.push('updated_at = ?');
      args.push(now, id);
      await store.run(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`, args);
      wake();
      const updated = await mustGet(id);
      await cards.refresh(updated);
      const runs = updated.enabled ? upcoming(updated, 3) : [];
      return { job: updated, nextRuns: runs, summary: createdSummary(updated, runs, notes, now) };
    },

    async pause(id, reason) {
      await mustGet(id);
      await store.run('UPDATE jobs SET enabled = 0, paused_reason = ?, updated_at = ? WHERE id = ?', [
        reason ?? PAUSE_REASONS.byUser,
        clock.now(),
        id,
      ]);
      return mustGet(id);
    },

    async resume(id) {
      return (await scheduler.update(id, { enabled: true })).job;
    },

    async delete(id) {
      const removed = await store.write(async (tx) => {
        const r = await tx.run('DELETE FROM jobs WHERE id = ?', [id]);
        await tx.run('DELETE FROM job_runs WHERE job_id = ?', [id]);
        return r.changes === 1;
      });
      if (removed) log.info({ jobId: id }, 'job deleted');
      return removed;
    },

    async remove(id, options = {}) {
      const token = deps.newId();
      if (!(await markDeleted(store, id, token, clock.now()))) return undefined;
      const job = await getJob(id);
      if (!job) return undefined;
      log.info({ jobId: id }, 'job deleted (can be undone)');
      await cards.refresh(job, options.except);
      return { job, token };
    },

    async restore(token, options = {}) {
      const now = clock.now();
      const job = await deletedByToken(store, token);
      if (!job || job.deletedAt === null || !canUndo(job.deletedAt, now, opt.undoWindowMs))
        return { ok: false, reason: 'too_late' };
      let next: number | null;
      if (job.schedule.type === 'once') next = job.completedAt === null ? job.schedule.at : null;
      else next = nextRunAfter(job.schedule, now);
      if (!(await markRestored(store, job.id, token, next, now))) return { ok: false, reason: 'too_late' };
      wake();
      let restored = await mustGet(job.id);
      log.info({ jobId: job.id, nextRunAt: next }, 'job restored (undo)');
      await cards.refresh(restored, options.except ?? options.card?.messageId);
      if (options.card) {
        // The message with the Undo button becomes the job's card (the caller draws it).
        await recordCards(store, job.chatId, options.card.messageId, [job.id], options.card.solo);
        restored = await mustGet(job.id);
      }
      return { ok: true, job: restored };
    },

    async findDeleted(token) {
      const job = await deletedByToken(store, token);
      return job?.deletedAt != null && canUndo(job.deletedAt, clock.now(), opt.undoWindowMs) ? job : undefined;
    },

    async awaitNewTime(id, userId) {
      await beginTimeEdit(store, id, userId, clock.now());
    },

    awaitingNewTime(chatId, userId) {
      return pendingTimeEdit(store, chatId, userId, clock.now());
    },

    stopAwaitingNewTime(id) {
      return endTimeEdit(store, id);
    },

    purgeDeleted() {
      return purgeDeleted(store, clock.now() - opt.undoWindowMs);
    },

    async runNow(id) {
      const job = await mustGet(id);
      let sf = clock.now();
      const ok = await store.write(async (tx) => {
        for (let i = 0; i < 5; i++, sf++) if (await insertRun(tx, id, sf, 'manual', clock.now())) return true;
        return false;
      });
      if (!ok) throw new ScheduleError('That job is already running. Try again in a moment.');
      launch({ job, scheduledFor: sf, trigger: 'manual', attempts: 1 });
      return { scheduledFor: sf };
    },

    async snooze(jobId, scheduledFor, choice) {
      const origin = `snooze:${jobId}:${scheduledFor}`;
      const existing = await store.get('SELECT * FROM jobs WHERE origin = ?', [origin]);
      if (existing) {
        const job = jobFromRow(existing);
        return { job, at: job.schedule.type === 'once' ? job.schedule.at : (job.nextRunAt ?? 0), already: true };
      }
      const source = await mustGet(jobId);
      const now = clock.now();
      const timezone = await resolveTimezone(source.ownerUserId, source.chatId).catch(() => source.timezone);
      const at = snoozeTarget(choice, now, scheduledFor, timezone);
      const id = deps.newId();
      const inserted = await store.run(
        `INSERT INTO jobs (id, owner_user_id, chat_id, topic_id, chat_type, kind, text, schedule, timezone, enabled,
           next_run_at, missed_policy, grace_ms, origin, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'reminder', ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [
          id,
          source.ownerUserId,
          source.chatId,
          source.topicId ?? null,
          source.chatType,
          source.text,
          JSON.stringify({ type: 'once', at } satisfies Schedule),
          timezone,
          at,
          source.missedPolicy,
          source.graceMs,
          origin,
          now,
          now,
        ],
      );
      if (inserted.changes !== 1) return scheduler.snooze(jobId, scheduledFor, choice);
      wake();
      return { job: await mustGet(id), at, already: false };
    },

    upcoming,

    async migrateChat(fromChatId, toChatId) {
      const r = await store.run(
        "UPDATE jobs SET chat_id = ?, chat_type = 'supergroup', updated_at = ? WHERE chat_id = ?",
        [toChatId, clock.now(), fromChatId],
      );
      if (r.changes > 0) log.info({ fromChatId, toChatId, jobs: r.changes }, 'jobs moved to the migrated chat');
      return r.changes;
    },
  };
  return scheduler;
}
