import type { Clock } from '../../core/clock.ts';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Journal } from './journal.ts';

export interface LeaseLoopsOptions {
  journal: Journal;
  clock: Clock;
  log: Logger;
  /** How often the leases of held rows are extended. Must be well below the lease. */
  heartbeatMs: number;
  /** How often unfinished rows of dead or lapsed owners are looked for. */
  recoverMs: number;
  /** Claims and dispatches orphaned rows (normally `intake.recover`). */
  recover: () => Promise<unknown>;
}

/** The two background loops that keep journal ownership alive. */
export interface LeaseLoops {
  /** Stops looking for orphaned rows (first step of a shutdown; the heartbeat keeps running). */
  stopRecovery(): Promise<void>;
  /** Stops the heartbeat (after in-flight turns have finished or been aborted). */
  stopHeartbeat(): Promise<void>;
}

function loop(clock: Clock, everyMs: number, signal: AbortSignal, run: () => Promise<void>): Promise<void> {
  return (async () => {
    while (!signal.aborted) {
      try {
        await clock.sleep(everyMs, signal);
      } catch {
        return; // aborted
      }
      if (signal.aborted) return;
      await run();
    }
  })();
}

/**
 * Starts the heartbeat (one batched UPDATE for every row this process holds, plus its instance record) and the
 * periodic recovery that takes over rows of instances that crashed or lost their lease. Both run on the injected
 * clock; failures are logged and retried on the next tick (a lease outlives several missed heartbeats).
 */
export function startLeaseLoops(options: LeaseLoopsOptions): LeaseLoops {
  const { journal, clock, log } = options;
  const beat = new AbortController();
  const scan = new AbortController();
  let failedBeats = 0;
  const heartbeat = loop(clock, options.heartbeatMs, beat.signal, async () => {
    try {
      await journal.heartbeat();
      if (failedBeats > 0) log.info({ failedBeats }, 'journal heartbeat recovered');
      failedBeats = 0;
    } catch (err) {
      failedBeats++;
      log.error({ err: toError(err), failedBeats }, 'journal heartbeat failed; leases of running updates may lapse');
    }
  });
  const recovery = loop(clock, options.recoverMs, scan.signal, async () => {
    try {
      await options.recover();
    } catch (err) {
      log.warn({ err: toError(err) }, 'looking for orphaned journal rows failed; trying again later');
    }
  });
  return {
    async stopRecovery() {
      scan.abort();
      await recovery;
    },
    async stopHeartbeat() {
      beat.abort();
      await heartbeat;
    },
  };
}
