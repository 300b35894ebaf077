import { later } from '../core/clock.ts';
import { AppError, toError } from '../core/errors.ts';
import type { TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { StopReason, TasksContext } from './task-context.ts';
import { deliverEnd, resultOf } from './task-delivery.ts';
import { taskTurnId } from './task-keys.ts';
import { completeTask, failWaiting, releaseTask, renewLease } from './task-store.ts';
import type { Task } from './task.ts';

const ZERO = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** The task's own turn: the user, chat and language of the request, the description as the message. */
export function taskRequest(task: Task, signal: AbortSignal): TurnRequest {
  return {
    turnId: taskTurnId.encode(task.id),
    userId: task.userId,
    chat: task.chat,
    // The model reads this; it runs as its own turn, so it must not hand the work off again.
    text: `(Background task "${task.title}": do this work now and answer with the result.)\n${task.description}`,
    attachments: [],
    source: 'task',
    ...(task.requestMessageId !== undefined ? { messageId: task.requestMessageId } : {}),
    timezone: task.timezone,
    ...(task.locale ? { locale: task.locale } : {}),
    ...(task.untrusted ? { untrustedInput: true } : {}),
    signal,
  };
}

/**
 * Runs one claimed try of a task as its own turn through the app's turn runner, outside any chat queue: renews its
 * claim while it runs (a cancel elsewhere or a /wipe ends it at the next renewal), stops it at the time limit, and
 * posts its end. A shutdown puts it back in the queue for the next start.
 */
export async function runTask(ctx: TasksContext, task: Task): Promise<void> {
  const { clock, store, opt, instanceId } = ctx;
  const log = ctx.log.child({ taskId: task.id, attempt: task.attempts });
  const controller = new AbortController();
  let why: StopReason | undefined;
  const abort = (reason: StopReason) => {
    if (why) return;
    why = reason;
    controller.abort(new AppError('aborted', `background task ${reason}`));
  };
  ctx.running.set(task.id, { abort });
  const stopBeat = heartbeat(ctx, task.id, () => abort('cancelled'));
  const cancelTimer = later(clock, opt.runTimeoutMs, () => abort('timeout'), { unref: true });
  const request = taskRequest(task, controller.signal);
  log.info('background task started');
  try {
    let outcome: TurnOutcome;
    try {
      if (ctx.deps.isServed && !(await ctx.deps.isServed(task.userId))) {
        throw new AppError('aborted', 'the user is no longer served');
      }
      outcome = await Promise.race([ctx.deps.turnRunner.run(request), rejected(controller.signal)]);
    } catch (err) {
      outcome = {
        status: 'failed',
        text: '',
        usage: ZERO,
        error: err instanceof AppError ? err : (toError(err) as AppError),
      };
    }
    if (why === 'shutdown') {
      await releaseTask(store, task.id, instanceId, clock.now());
      log.info('background task interrupted by shutdown; it runs again at the next start');
      return;
    }
    if (why === 'cancelled') {
      log.info('background task cancelled');
      return;
    }
    await finish(ctx, task, request, outcome, why === 'timeout');
  } finally {
    stopBeat();
    cancelTimer();
    ctx.running.delete(task.id);
  }
}

async function finish(
  ctx: TasksContext,
  task: Task,
  request: TurnRequest,
  outcome: TurnOutcome,
  timedOut: boolean,
): Promise<void> {
  const { store, clock, opt, instanceId } = ctx;
  const now = clock.now();
  const lease = now + opt.leaseMs;
  if (!timedOut && outcome.status === 'suspended' && outcome.suspension && ctx.deps.approvals) {
    if (!(await completeTask(store, { id: task.id, instanceId, status: 'waiting' }, now, lease))) return;
    try {
      await ctx.deps.approvals.onSuspended(request, outcome.suspension);
      ctx.log.info({ taskId: task.id }, 'background task waits for an approval');
    } catch (err) {
      // The pause could not be stored: say the task failed rather than leave it waiting for nothing.
      ctx.log.warn({ err: toError(err), taskId: task.id }, 'could not pause a background task for an approval');
      await failWaiting(store, task.id, clock.now());
      await deliverEnd(ctx, { ...task, status: 'failed', error: 'approval' }, undefined);
    }
    return;
  }
  const ok = !timedOut && (outcome.status === 'done' || outcome.status === 'limit');
  const status = ok ? 'done' : 'failed';
  const error = timedOut ? 'timeout' : ok ? undefined : (outcome.error?.message ?? outcome.status);
  const result = ok || outcome.status === 'failed' ? resultOf(outcome) : undefined;
  const p = { id: task.id, instanceId, status, ...(result ? { result } : {}), ...(error ? { error } : {}) } as const;
  if (!(await completeTask(store, p, now, lease))) {
    ctx.log.info({ taskId: task.id }, 'background task ended elsewhere (cancelled or wiped); nothing posted');
    return;
  }
  ctx.log.info({ taskId: task.id, status, outcome: outcome.status }, 'background task finished');
  await deliverEnd(ctx, { ...task, status, ...(error ? { error } : {}) }, result);
}

/** Renews the claim every third of the lease until stopped; calls `lost` when the task is no longer ours. */
function heartbeat(ctx: TasksContext, id: string, lost: () => void): () => void {
  const stop = new AbortController();
  const every = Math.max(1, Math.floor(ctx.opt.leaseMs / 3));
  void (async () => {
    while (!stop.signal.aborted) {
      try {
        await ctx.clock.sleep(every, stop.signal, { unref: true });
      } catch {
        return;
      }
      try {
        if (!(await renewLease(ctx.store, id, ctx.instanceId, ctx.clock.now() + ctx.opt.leaseMs))) {
          lost();
          return;
        }
      } catch (err) {
        ctx.log.warn({ err: toError(err), taskId: id }, 'could not renew a background task claim');
      }
    }
  })();
  return () => stop.abort();
}

function rejected(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
