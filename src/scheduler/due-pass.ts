import { type DueLoop, createDueLoop } from '../core/due-loop.ts';
import { toError } from '../core/errors.ts';
import { claimDue, claimRetries } from './claims.ts';
import type { RunLauncher } from './run-launcher.ts';
import { nextDueTimes } from './run-store.ts';
import type { TickReport } from './scheduler-api.ts';
import type { SchedulerContext } from './scheduler-context.ts';
import { purgeDeleted } from './trash.ts';

/** The scheduler's due passes and the timer loop that runs them. */
export interface DuePasses {
  /** One due pass, serialized with every other pass. */
  pass(): Promise<TickReport>;
  /** Waits for the pass running now, if any. */
  settled(): Promise<unknown>;
  /** Starts the timer loop (a fresh one after each stop). */
  startLoop(): void;
  /** Stops the timer loop and waits for it. */
  stopLoop(): Promise<void>;
  /** Cuts the loop's sleep short. */
  wake(): void;
  /** Wakes the loop if the last pass left work unclaimed. */
  wakeIfBacklog(): void;
}

/** Creates the due passes; `launcher` is set once (the launcher needs `wakeIfBacklog`). */
export function createDuePasses(ctx: SchedulerContext, launcher: () => RunLauncher): DuePasses {
  const { clock, log, opt } = ctx;
  let lastPurgeAt = Number.NEGATIVE_INFINITY;
  let backlog = false;
  let chain: Promise<unknown> = Promise.resolve();

  async function purgeNow(now: number): Promise<void> {
    if (now - lastPurgeAt < 60_000) return;
    lastPurgeAt = now;
    try {
      const purged = await purgeDeleted(ctx.store, now - opt.undoWindowMs);
      if (purged > 0) log.info({ purged }, 'deleted jobs purged after the undo window');
    } catch (err) {
      log.warn({ err: toError(err) }, 'could not purge deleted jobs; will retry');
    }
  }

  async function passNow(): Promise<TickReport> {
    const now = clock.now();
    await purgeNow(now);
    const runs = launcher();
    const capacity = Math.max(0, opt.claimBatch * 2 - runs.queued);
    if (capacity === 0) {
      backlog = true;
      return { claimed: 0, skipped: 0 };
    }
    const limit = Math.min(opt.claimBatch, capacity);
    const retries = await claimRetries(ctx, now, limit, runs.has);
    for (const c of retries) runs.launch(c);
    const { claimed, skipped, full } = await claimDue(ctx, now, limit);
    for (const c of claimed) runs.launch(c);
    backlog = full;
    return { claimed: claimed.length + retries.length, skipped };
  }

  function pass(): Promise<TickReport> {
    const next = chain.then(passNow);
    chain = next.catch(() => undefined);
    return next;
  }

  async function nextWakeDelay(lastClaimed: number): Promise<number> {
    const now = clock.now();
    if (backlog) return launcher().queued >= opt.claimBatch * 2 ? 1_000 : 0;
    const candidates = await nextDueTimes(ctx.store);
    if (candidates.length === 0) return opt.maxSleepMs;
    const delay = Math.min(...candidates) - now;
    // Something is due but nothing could be claimed (held by another instance or in flight here): don't spin.
    if (delay <= 0) return lastClaimed > 0 ? 0 : 250;
    return Math.min(delay, opt.maxSleepMs);
  }

  /** A timer loop whose first tick only plans the sleep: `start()` has just run the recovery pass. */
  function newLoop(): DueLoop {
    let lastClaimed = 0;
    let first = true;
    return createDueLoop({
      clock,
      log,
      name: 'scheduler',
      maxSleepMs: opt.maxSleepMs,
      // Under load, coalesce: occurrences due within a few ms are claimed together in one transaction.
      minGapMs: opt.minTickGapMs,
      tick: async () => {
        if (!first) lastClaimed = await passLogged();
        first = false;
        return clock.now() + (await nextWakeDelay(lastClaimed));
      },
    });
  }

  async function passLogged(): Promise<number> {
    try {
      return (await pass()).claimed;
    } catch (err) {
      log.error({ err: toError(err) }, 'scheduler tick failed');
      return 0;
    }
  }

  let loop: DueLoop | undefined;
  return {
    pass,
    settled: () => chain,
    startLoop() {
      loop = newLoop();
      loop.start();
    },
    async stopLoop() {
      await loop?.stop();
      loop = undefined;
    },
    wake: () => loop?.wake(),
    wakeIfBacklog() {
      if (backlog) loop?.wake();
    },
  };
}
