import type { Clock } from './clock.ts';
import { toError } from './errors.ts';
import type { Logger } from './logger.ts';

/** A loop that does due work, then sleeps on the clock until the next due time or a wake-up. */
export interface DueLoop {
  /** Starts the loop (idempotent). */
  start(): void;
  /** Cuts the current sleep short so `tick` runs again soon (e.g. after a new job was added). */
  wake(): void;
  /** Stops the loop and waits for a running tick to finish. */
  stop(): Promise<void>;
}

/** Options of {@link createDueLoop}. */
export interface DueLoopOptions {
  clock: Clock;
  log: Logger;
  /** Names the loop in logs. */
  name: string;
  /** The loop never sleeps longer than this (work created elsewhere, e.g. by another instance, is seen within it). */
  maxSleepMs: number;
  /** After a failed tick, wait this long before the next (default 1 s). */
  errorDelayMs?: number;
  /** Minimum gap between two ticks, so a busy loop coalesces work due within a few ms (default 0). */
  minGapMs?: number;
  /** Does the due work; returns the next due time (epoch ms), or null/undefined when nothing is scheduled. */
  tick: () => Promise<number | null | undefined>;
}

/** Creates a {@link DueLoop}. */
export function createDueLoop(opts: DueLoopOptions): DueLoop {
  const { clock, log } = opts;
  let running: Promise<void> | undefined;
  let stopped = false;
  let sleeper: AbortController | undefined;
  let woken = false;

  async function runTick(): Promise<number> {
    try {
      const next = await opts.tick();
      if (next === null || next === undefined) return opts.maxSleepMs;
      return Math.min(opts.maxSleepMs, Math.max(0, next - clock.now()));
    } catch (err) {
      log.error({ err: toError(err), loop: opts.name }, 'background loop tick failed; it will retry');
      return opts.errorDelayMs ?? 1_000;
    }
  }

  async function loop(): Promise<void> {
    let lastTickAt = Number.NEGATIVE_INFINITY;
    while (!stopped) {
      woken = false;
      lastTickAt = clock.now();
      let delay = await runTick();
      delay = Math.max(delay, lastTickAt + (opts.minGapMs ?? 0) - clock.now());
      if (stopped) break;
      if (delay > 0 && !woken) {
        sleeper = new AbortController();
        try {
          await clock.sleep(delay, sleeper.signal, { unref: true });
        } catch {
          // woken early
        }
        sleeper = undefined;
      }
    }
  }

  return {
    start() {
      if (running || stopped) return;
      running = loop();
    },
    wake() {
      woken = true;
      sleeper?.abort();
    },
    async stop() {
      stopped = true;
      sleeper?.abort();
      await running;
    },
  };
}
