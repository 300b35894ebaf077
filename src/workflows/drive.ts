import { AppError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/db.ts';
import { suspendIfWaiting } from './decision-store.ts';
import { workflowSchema } from './definition.ts';
import { type PassResult, runPass } from './executor.ts';
import type { ExecutorDeps } from './pass.ts';
import type { RunMessages } from './run-messages.ts';
import { LeaseLostError, getRun, settleHeld } from './run-store.ts';

/** How a run ended for its trigger. */
export type RunEnd =
  | { status: 'done'; messageId: number }
  | { status: 'suspended' }
  | { status: 'failed'; messageId?: number }
  /** Another process holds the run (or this one is shutting down); it finishes there or after a restart. */
  | { status: 'elsewhere' };

/** What driving a run needs. */
export interface DriveContext {
  store: Store;
  clock: Clock;
  log: Logger;
  owner: string;
  exec: ExecutorDeps;
  messages: RunMessages;
  stopping: () => boolean;
}

async function onePass(ctx: DriveContext, run: NonNullable<Awaited<ReturnType<typeof getRun>>>) {
  const wf = workflowSchema.safeParse(run.definition);
  if (!wf.success) return 'broken' as const;
  try {
    return await runPass(ctx.exec, run, wf.data);
  } catch (err) {
    if (err instanceof AppError && err.message.startsWith('workflow event log has a gap')) return 'broken' as const;
    throw err;
  }
}

async function fail(
  ctx: DriveContext,
  runId: string,
  run: NonNullable<Awaited<ReturnType<typeof getRun>>>,
  result: PassResult | 'broken',
): Promise<RunEnd> {
  const reason = result === 'broken' ? 'broken' : result.status === 'failed' ? result.reason : 'broken';
  const kind = reason === 'broken' ? reason : reason.kind;
  ctx.log.info({ runId, workflow: run.workflow, reason: kind }, 'workflow run stopped');
  const messageId = await ctx.messages.stopped(run, reason);
  const end = { status: 'failed' as const, error: kind, ...(messageId ? { messageId } : {}) };
  await settleHeld(ctx.store, runId, ctx.owner, { type: 'run_failed', data: { reason: kind } }, end, ctx.clock.now());
  return { status: 'failed', ...(messageId ? { messageId } : {}) };
}

/**
 * Drives a run this process holds until it ends, pauses for a person, or is lost to another process (its writes
 * are fenced by the lease). When every decision was made while other branches still ran, it goes on at once.
 */
export async function driveHeld(ctx: DriveContext, runId: string): Promise<RunEnd> {
  for (;;) {
    const run = await getRun(ctx.store, runId);
    if (!run) return { status: 'elsewhere' };
    if (run.status === 'done') return { status: 'done', messageId: run.messageId ?? 0 };
    if (run.status === 'failed') return { status: 'failed', ...(run.messageId ? { messageId: run.messageId } : {}) };
    if (run.status === 'suspended') return { status: 'suspended' };
    if (run.leaseOwner !== ctx.owner) return { status: 'elsewhere' };
    let result: PassResult | 'broken';
    try {
      result = await onePass(ctx, run);
    } catch (err) {
      if (err instanceof LeaseLostError || ctx.stopping()) return { status: 'elsewhere' };
      throw err;
    }
    if (result === 'broken' || result.status === 'failed') return fail(ctx, runId, run, result);
    const now = ctx.clock.now();
    if (result.status === 'done') {
      const end = { status: 'done' as const, messageId: result.messageId };
      await settleHeld(ctx.store, runId, ctx.owner, { type: 'run_done' }, end, now);
      ctx.log.info({ runId, workflow: run.workflow }, 'workflow run done');
      return end;
    }
    if (await suspendIfWaiting(ctx.store, runId, ctx.owner, now)) return { status: 'suspended' };
  }
}
