import type { Clock } from '../../src/core/clock.ts';

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, waking due sleepers in wake-time order (time reads as each wake time
   *  while its sleeper resumes), then lets woken code run for a few event-loop turns. */
  advance(ms: number): Promise<void>;
  /** Advances to an absolute time (no-op if it is in the past). */
  advanceTo(time: number | Date): Promise<void>;
  /** Jumps to `time` (may go backwards); sleepers due by then are woken. */
  set(time: number | Date): void;
  /** Number of pending sleeps. */
  pendingSleeps(): number;
  /** Wake time of the earliest pending sleep. */
  nextWakeAt(): number | undefined;
  /** Lets pending promise chains and setImmediate callbacks run. */
  flush(turns?: number): Promise<void>;
}

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
  cleanup: () => void;
}

const toMs = (t: number | Date): number => (typeof t === 'number' ? t : t.getTime());

export function createManualClock(start: number | Date = Date.UTC(2026, 0, 15, 12)): ManualClock {
  let now = toMs(start);
  let seq = 0;
  let sleepers: Sleeper[] = [];

  const earliest = (): Sleeper | undefined =>
    sleepers.reduce<Sleeper | undefined>(
      (best, s) => (!best || s.wakeAt < best.wakeAt || (s.wakeAt === best.wakeAt && s.seq < best.seq) ? s : best),
      undefined,
    );

  function wake(s: Sleeper): void {
    sleepers = sleepers.filter((x) => x !== s);
    s.cleanup();
    s.resolve();
  }

  async function flush(turns = 5): Promise<void> {
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const clock: ManualClock = {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        if (!(ms > 0)) return resolve();
        const onAbort = (): void => {
          sleepers = sleepers.filter((x) => x !== sleeper);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          wakeAt: now + ms,
          seq: seq++,
          resolve,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    async advance(ms) {
      await clock.advanceTo(now + ms);
    },
    async advanceTo(time) {
      const target = toMs(time);
      for (;;) {
        const next = earliest();
        if (!next || next.wakeAt > target) break;
        if (next.wakeAt > now) now = next.wakeAt;
        wake(next);
        await flush();
      }
      if (target > now) now = target;
      await flush();
    },
    set(time) {
      now = toMs(time);
      for (;;) {
        const next = earliest();
        if (!next || next.wakeAt > now) break;
        wake(next);
      }
    },
    pendingSleeps: () => sleepers.length,
    nextWakeAt: () => earliest()?.wakeAt,
    flush,
  };
  return clock;
}
