import { createDueLoop } from '../core/due-loop.ts';
import { toError } from '../core/errors.ts';
import type { SweepReport } from './approvals-api.ts';
import type { ApprovalsContext } from './context.ts';
import type { PromptSender } from './prompt-sender.ts';
import type { Resumer } from './resume.ts';
import { runMessageKey } from '../core/keys/dedupe-keys.ts';

/** Applies due fallbacks, resumes settled runs, recovers interrupted ones and re-sends prompts that never went out. */
export interface Sweeper {
  /** One sweep (concurrent calls share the sweep in progress). */
  sweep(): Promise<SweepReport>;
  /** Sweeps now, then again before the next expiry (at most `sweepIntervalMs` apart). */
  start(): Promise<void>;
  /** Stops the loop, waiting for a sweep in progress (the caller waits for other background work). */
  stop(): Promise<void>;
}

/** A prompt persisted but not sent for this long is re-sent (a crash between persisting and sending). */
const REPROMPT_AFTER_MS = 30_000;

/** Creates the sweeper. */
export function createSweeper(ctx: ApprovalsContext, prompts: PromptSender, resumer: Resumer): Sweeper {
  const { clock, log } = ctx;
  const sweepIntervalMs = ctx.deps.sweepIntervalMs ?? 20_000;
  const reprompted = new Set<string>();
  let started = false;
  let sweeping: Promise<SweepReport> | undefined;

  async function expireDue(now: number): Promise<number> {
    let expired = 0;
    for (const id of await ctx.approvals.dueIds(now)) {
      try {
        if (await resumer.expire(id)) expired += 1;
      } catch (err) {
        log.error({ err: toError(err), approval_id: id }, 'could not expire approval');
      }
    }
    return expired;
  }

  async function resumeSettled(): Promise<number> {
    let resumed = 0;
    for (const id of await ctx.runs.settledIds()) if (await resumer.maybeResume(id)) resumed += 1;
    return resumed;
  }

  /** Resumes that died with their process: the tool may or may not have run, so tell the user instead of repeating it. */
  async function recoverInterrupted(now: number): Promise<number> {
    let interrupted = 0;
    for (const run of await ctx.runs.lapsed(now)) {
      if (!(await ctx.runs.markInterrupted(run, now))) continue;
      interrupted += 1;
      if (!(await ctx.served(run.userId))) continue;
      await ctx.outbox.send(run.chat, {
        text: "I was restarted while finishing a request you'd already decided on, so I'm not sure it completed. Please check and ask me again if needed.",
        format: 'plain',
        dedupeKey: runMessageKey.encode({ runId: run.id }),
      });
    }
    return interrupted;
  }

  async function repromptUnsent(now: number): Promise<number> {
    let sent = 0;
    for (const a of await ctx.approvals.unsent(now, now - REPROMPT_AFTER_MS)) {
      if (reprompted.has(a.id)) continue;
      reprompted.add(a.id);
      if (await prompts.send(a, a.chat, true)) sent += 1;
    }
    return sent;
  }

  async function doSweep(): Promise<SweepReport> {
    const now = clock.now();
    const expired = await expireDue(now);
    const resumed = await resumeSettled();
    const interrupted = await recoverInterrupted(now);
    const reprompts = await repromptUnsent(now);
    return { expired, resumed, interrupted, reprompted: reprompts };
  }

  function sweep(): Promise<SweepReport> {
    if (!sweeping) {
      sweeping = doSweep().finally(() => {
        sweeping = undefined;
      });
    }
    return sweeping;
  }

  /** When the next approval falls due (a little after it, so it is due when the sweep runs). */
  async function nextDue(): Promise<number | undefined> {
    try {
      const next = await ctx.approvals.nextExpiry();
      return next === undefined ? undefined : next + 50;
    } catch {
      return undefined;
    }
  }

  // The start-up sweep runs in start() (awaited and logged), so the loop's first tick only looks ahead.
  let lookAheadOnly = true;
  const loop = createDueLoop({
    clock,
    log,
    name: 'approvals sweeper',
    maxSleepMs: sweepIntervalMs,
    minGapMs: Math.min(250, sweepIntervalMs),
    errorDelayMs: sweepIntervalMs,
    async tick() {
      if (lookAheadOnly) lookAheadOnly = false;
      else await sweep();
      return nextDue();
    },
  });

  return {
    sweep,
    async start() {
      if (started) return;
      started = true;
      try {
        const report = await sweep();
        log.info(report, 'approvals sweeper started');
      } catch (err) {
        log.error({ err: toError(err) }, 'initial approvals sweep failed');
      }
      loop.start();
    },
    stop: () => loop.stop(),
  };
}
