import { AppError, toError } from '../core/errors.ts';
import { telemetry } from '../core/telemetry.ts';
import { type JobRunVariant, jobRunKey } from '../core/keys/dedupe-keys.ts';
import type { Logger } from '../core/logger.ts';
import type { OutMessage } from '../core/outbox.ts';
import type { RoutineResult } from '../core/routines.ts';
import { deliverOutputFiles } from '../core/output-files.ts';
import type { OutputFile, TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import { formatLocal } from '../core/zoned-time.ts';
import type { Claimed } from './claims.ts';
import { getJob, pauseChatJobs } from './job-store.ts';
import { PAUSE_REASONS, quote, reminderKeyboard } from './messages.ts';
import { pauseJobsOfUser } from './pause-owner.ts';
import type { FinishRun } from './run-finish.ts';
import { saveRunResult, scheduleRetry } from './run-store.ts';
import { type SchedulerContext, chatRefOf, ownerLocale, zoneOf } from './scheduler-context.ts';
import { schedulerTexts } from './scheduler-texts.ts';

/** Executes one claimed occurrence: computes its message (asking the Network for prompts) and delivers it. */
export type FireRun = (c: Claimed, signal: AbortSignal) => Promise<void>;

/** What to post for a run, or that the run already ended without a post. */
type Composed =
  | { done: true }
  | { done: false; message: OutMessage; failedRun?: string; dedupeKey: string; files?: OutputFile[] };

/** Creates the run executor; `stopping()` tells an abort by `stop()` from a failure. */
export function createRunFiring(ctx: SchedulerContext, finish: FinishRun, stopping: () => boolean): FireRun {
  const { log } = ctx;

  async function compose(c: Claimed, signal: AbortSignal, runLog: Logger): Promise<Composed> {
    const job = c.job;
    const key = (variant: JobRunVariant) => jobRunKey.encode({ jobId: job.id, scheduledFor: c.scheduledFor, variant });
    const dedupeKey = key('run');
    if (ctx.deps.isServed && !(await ctx.deps.isServed(job.ownerUserId))) {
      await pauseJobsOfUser(ctx.store, job.ownerUserId, ctx.clock.now());
      await finish(c, { status: 'skipped', ok: true, error: 'the owner no longer has access' });
      runLog.warn('job owner no longer has access: run skipped, their jobs paused');
      return { done: true };
    }
    const locale = await ownerLocale(ctx.deps, job.ownerUserId);
    if (c.trigger === 'missed_notice') {
      return { done: false, message: missedNotice(c, locale), dedupeKey: key('missed') };
    }
    if (c.result) return { done: false, message: c.result, dedupeKey };
    if (job.kind === 'reminder') {
      const message: OutMessage = {
        text: `⏰ ${job.text}`,
        format: 'plain',
        keyboard: reminderKeyboard(job.id, c.scheduledFor, locale),
      };
      return { done: false, message, dedupeKey };
    }
    const { result, request } = await runPrompt(c, signal, runLog);
    if (result.posted) {
      // A workflow posted its own message: the run is delivered, or failed when that message said it stopped.
      await finish(c, {
        status: result.failed ? 'failed' : 'delivered',
        ok: !result.failed,
        ...(result.failed ? { error: result.failed } : {}),
        ...(result.messageId !== undefined ? { messageId: result.messageId } : {}),
      });
      runLog.info({ messageId: result.messageId }, 'scheduled routine posted its result');
      await refreshCardAfterLastRun(job);
      return { done: true };
    }
    const { outcome } = result;
    if (outcome.status === 'suspended' && outcome.suspension && ctx.deps.approvals) {
      await ctx.deps.approvals.onSuspended(request, outcome.suspension);
      await finish(c, { status: 'awaiting_approval', ok: true });
      runLog.info('scheduled run waits for approval');
      return { done: true };
    }
    if (outcome.status === 'stopped' && !outcome.text.trim()) {
      await finish(c, { status: 'stopped', ok: true });
      return { done: true };
    }
    const answer = promptAnswer(c, outcome, locale);
    // Keep the answer so a delivery retry does not ask the Network again.
    await saveRunResult(ctx.store, job.id, c.scheduledFor, answer.message);
    return { done: false, ...answer, dedupeKey, ...(outcome.files ? { files: outcome.files } : {}) };
  }

  async function runPrompt(
    c: Claimed,
    signal: AbortSignal,
    runLog: Logger,
  ): Promise<{ result: RoutineResult; request: TurnRequest }> {
    const job = c.job;
    let timezone = job.timezone;
    try {
      timezone = await zoneOf(ctx.deps, job.ownerUserId, job.chatId);
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
      ...(ctx.deps.localeOf ? { locale: await ownerLocale(ctx.deps, job.ownerUserId) } : {}),
      signal: combined,
    };
    const cancelTimer = new AbortController();
    const timer = ctx.clock
      .sleep(ctx.opt.runTimeoutMs, cancelTimer.signal)
      .then(() => {
        timeout.abort(new AppError('aborted', 'scheduled run timed out'));
      })
      .catch(() => undefined);
    try {
      const result = await Promise.race([runTurnOrRoutine(c, request), rejectOnAbort(combined)]);
      return { result, request };
    } finally {
      cancelTimer.abort();
      await timer;
    }
  }

  /** A prompt job asks the Network its text; a job with a target runs its skill or workflow through the routines. */
  async function runTurnOrRoutine(c: Claimed, request: TurnRequest): Promise<RoutineResult> {
    const { target } = c.job;
    if (!target) return { posted: false, outcome: await ctx.deps.turnRunner.run(request) };
    if (!ctx.deps.routines)
      throw new AppError('internal', `this job runs a ${target.type}, but routines are not wired`);
    return ctx.deps.routines.run(target, request);
  }

  async function refreshCardAfterLastRun(job: Claimed['job']): Promise<void> {
    if (job.cardMessageId === null || job.nextRunAt !== null) return;
    // Its last run: the card's "Cancel" no longer applies; it now says when it was sent.
    const settled = await getJob(ctx.store, job.id);
    if (settled?.completedAt != null) await ctx.cards.refresh(settled);
  }

  async function deliver(c: Claimed, composed: Extract<Composed, { done: false }>, runLog: Logger): Promise<void> {
    const { job } = c;
    const { message, failedRun, dedupeKey } = composed;
    const delivery = await ctx.outbox.send(chatRefOf(job), { ...message, dedupeKey });
    if (delivery.ok) {
      // Files the run's code made (a chart) follow the answer; a delivery retry re-sends only the stored text.
      await deliverOutputFiles(ctx.outbox, chatRefOf(job), composed.files, runLog);
      const messageId = delivery.messageIds[0];
      await finish(c, {
        status: failedRun ? 'failed' : c.trigger === 'missed_notice' ? 'missed' : 'delivered',
        ok: !failedRun,
        ...(failedRun ? { error: failedRun } : {}),
        ...(messageId !== undefined ? { messageId } : {}),
      });
      runLog.info({ messageId, late: c.trigger === 'late' }, 'scheduled run delivered');
      await refreshCardAfterLastRun(job);
      return;
    }
    if (delivery.reason === 'blocked' || delivery.reason === 'chat_not_found') {
      const reason = PAUSE_REASONS[delivery.reason];
      await finish(c, { status: 'failed', ok: false, error: delivery.message, countFailure: false });
      const { chatId, id: jobId } = job;
      const now = ctx.clock.now();
      const pausedJobs = await pauseChatJobs(ctx.store, { chatId, jobId, reason, error: delivery.message, now });
      runLog.warn({ reason: delivery.reason, pausedJobs }, 'chat unreachable; paused its jobs');
      return;
    }
    await failOrRetry(c, delivery.message, runLog, message);
  }

  async function failOrRetry(c: Claimed, error: string, runLog: Logger, message?: OutMessage): Promise<void> {
    const delay = ctx.opt.retry.delayBefore(c.attempts);
    if (delay === undefined) {
      await finish(c, { status: 'failed', ok: false, error });
      return;
    }
    const at = ctx.clock.now() + delay;
    const { instanceId } = ctx;
    await scheduleRetry(ctx.store, {
      jobId: c.job.id,
      scheduledFor: c.scheduledFor,
      instanceId,
      at,
      error,
      ...(message ? { message } : {}),
    });
    runLog.info({ retryInMs: delay }, 'delivery failed; will retry');
    ctx.wake();
  }

  return async (c, signal) => {
    const runLog = log.child({
      jobId: c.job.id,
      scheduledFor: c.scheduledFor,
      trigger: c.trigger,
      attempt: c.attempts,
    });
    if (c.attempts === 1)
      telemetry().observe('job_lateness_seconds', Math.max(0, ctx.clock.now() - c.scheduledFor) / 1000);
    let composed: Composed;
    try {
      composed = await compose(c, signal, runLog);
    } catch (err) {
      const e = toError(err);
      runLog.warn({ err: e }, 'scheduled run failed before delivery');
      if (signal.aborted && stopping()) return; // released by stop(); another instance or the next start retries it
      await failOrRetry(c, e.message, runLog);
      return;
    }
    if (!composed.done) await deliver(c, composed, runLog);
  };
}

/** The message of a prompt run's outcome; `failedRun` when the run counts as failed. */
function promptAnswer(c: Claimed, outcome: TurnOutcome, locale: Locale): { message: OutMessage; failedRun?: string } {
  const t = schedulerTexts(locale);
  const text = quote(c.job.text, 80);
  if (outcome.status === 'suspended' && outcome.suspension) {
    return {
      failedRun: 'needs approval, but approvals are not available',
      message: { text: t.needsApprovalNoApprovals({ text }), format: 'plain' },
    };
  }
  if (outcome.status === 'failed') {
    return {
      failedRun: outcome.error?.message ?? 'the run failed',
      message: { text: outcome.text || t.promptFailed({ text }), format: 'markdown' },
    };
  }
  return {
    message: {
      text: `🗓 ${text}\n\n${outcome.text.trim() || t.nothingToReport}`,
      format: 'markdown',
      ...(outcome.keyboard ? { keyboard: outcome.keyboard } : {}),
    },
  };
}

/** The notice for occurrences missed while the bot was down. */
function missedNotice(c: Claimed, locale: Locale): OutMessage {
  const job = c.job;
  const text = schedulerTexts(locale).missedNotice({
    text: quote(job.text, 120),
    when: formatLocal(c.scheduledFor, job.timezone, undefined, locale),
    times: c.missedCount ?? 1,
    ...(job.nextRunAt !== null ? { next: formatLocal(job.nextRunAt, job.timezone, undefined, locale) } : {}),
  });
  return { text, format: 'plain' };
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new AppError('aborted', 'scheduled run timed out or was stopped')), {
      once: true,
    });
  });
}
