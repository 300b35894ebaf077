/**
 * Checkpoints the WAL while the writer rests, instead of inside whichever commit crosses SQLite's auto-checkpoint
 * threshold (1000 pages). That commit, usually a chat turn's, paid for copying ~4 MB into the database file: about
 * one turn in thirty, and the slowest turns of `npm run bench -- e2e`. SQLite's own auto-checkpoint stays on as the
 * cap for a writer that never rests.
 */
import { type Cancel, type Clock, later } from '../core/clock.ts';

/** When idle checkpoints run. */
export interface IdleCheckpointOptions {
  clock: Clock;
  /** The writer has had nothing queued or running for this long (default 50 ms: less than a person's pause). */
  idleMs?: number;
  /**
   * At least this many writes since the last checkpoint (default 100: about a dozen chat turns, some 400 WAL pages,
   * well under SQLite's 1000). A checkpoint costs ~4 ms whatever its size (the database file's fsync), so not after
   * every turn.
   */
  minWrites?: number;
}

/** Tracks the store's writes and runs `checkpoint` once they pause; `stop` cancels a pending one. */
export function createIdleCheckpoint(
  options: IdleCheckpointOptions,
  checkpoint: () => Promise<void>,
  onError: (err: unknown) => void,
) {
  const { clock } = options;
  const idleMs = options.idleMs ?? 50;
  const minWrites = options.minWrites ?? 100;
  let active = 0;
  let since = 0;
  let lastEnd = 0;
  let pending: Cancel | undefined;
  let stopped = false;
  let done = 0;

  function schedule(ms: number): void {
    pending = later(
      clock,
      ms,
      async () => {
        pending = undefined;
        if (stopped) return;
        const quietFor = clock.now() - lastEnd;
        if (active > 0 || quietFor < idleMs) {
          schedule(Math.max(1, idleMs - Math.max(0, quietFor)));
          return;
        }
        since = 0;
        await checkpoint();
        done++;
      },
      { unref: true, onError },
    );
  }

  return {
    /** A write was queued. */
    started(): void {
      active++;
    },
    /** A write settled (committed or not). */
    settled(): void {
      active--;
      since++;
      lastEnd = clock.now();
      if (!pending && !stopped && since >= minWrites) schedule(idleMs);
    },
    /** Checkpoints run so far. */
    get count(): number {
      return done;
    },
    stop(): void {
      stopped = true;
      pending?.();
      pending = undefined;
    },
  };
}
