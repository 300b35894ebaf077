import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Store } from '../store/db.ts';
import { pruneStep } from './prune-store.ts';
import { HOUR_MS, type PruneStep, pruningRules } from './rules.ts';

export interface PrunerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Time between passes. Default one hour. */
  intervalMs?: number;
  /** Called after a pass that deleted something (e.g. to checkpoint the WAL). */
  afterPass?: (deleted: number) => Promise<void>;
}

/** Rows deleted per step in one pass. */
export type PruneReport = Partial<Record<PruneStep, number>>;

/** Applies the retention rules (rules.ts) continuously: a pass at start, then one every `intervalMs` of the clock. */
export interface Pruner {
  /** One pass now. A step that fails is logged and the others still run. */
  runOnce(): Promise<PruneReport>;
  start(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function createPruner(deps: PrunerDeps): Pruner {
  const { store, clock, log } = deps;
  const intervalMs = deps.intervalMs ?? HOUR_MS;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let running: Promise<PruneReport> | undefined;

  async function pass(): Promise<PruneReport> {
    const now = clock.now();
    const report: PruneReport = {};
    let deleted = 0;
    for (const rule of pruningRules()) {
      try {
        const n = await pruneStep(store, rule.step, now - rule.maxAgeMs);
        if (n > 0) report[rule.step] = n;
        deleted += n;
      } catch (err) {
        log.warn(
          { err: toError(err), step: rule.step, table: rule.table },
          'pruning step failed; retrying at the next pass',
        );
      }
    }
    if (deleted > 0) {
      log.info({ deleted: report }, 'old rows pruned');
      await deps.afterPass?.(deleted).catch((err) => log.warn({ err: toError(err) }, 'after-pruning step failed'));
    }
    return report;
  }

  const pruner: Pruner = {
    runOnce() {
      if (!running) {
        running = pass().finally(() => {
          running = undefined;
        });
      }
      return running;
    },
    start() {
      if (controller) return;
      const c = new AbortController();
      controller = c;
      loop = (async () => {
        while (!c.signal.aborted) {
          await pruner.runOnce();
          try {
            await clock.sleep(intervalMs, c.signal);
          } catch {
            return; // stopped
          }
        }
      })();
    },
    async stop() {
      controller?.abort();
      controller = undefined;
      await loop;
      loop = undefined;
      await running;
    },
  };
  return pruner;
}
