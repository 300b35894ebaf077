import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/db.ts';

/**
 * Flushing pending fact extraction: facts are extracted in batches (every few messages, or when idle), so a fact
 * stated just before a thread ends (/new) or the process stops would otherwise wait for the idle timer, and the next
 * conversation would not know it. These find the scopes with user messages not yet extracted.
 */

/** Scopes that spoke in `threadId` and have user messages past their extraction watermark. */
export async function pendingScopesOfThread(store: Store, threadId: string): Promise<string[]> {
  const rows = await store.query(
    `SELECT DISTINCT m.scope FROM memory_messages m JOIN memory_scopes s ON s.scope = m.scope
     WHERE m.thread_id = ? AND m.role = 'user' AND m.id > s.extracted_upto`,
    [threadId],
  );
  return rows.map((r) => String(r.scope));
}

/** Every scope with user messages past its extraction watermark (one index range per scope). */
export async function pendingScopes(store: Store): Promise<string[]> {
  const rows = await store.query(
    `SELECT s.scope FROM memory_scopes s
     WHERE EXISTS (SELECT 1 FROM memory_messages m WHERE m.scope = s.scope AND m.id > s.extracted_upto AND m.role = 'user')`,
  );
  return rows.map((r) => String(r.scope));
}

/** Waits for `work`, but at most `ms` of `clock` time. True when `work` settled first. */
export async function settlesWithin(clock: Clock, work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      clock.sleep(ms, timer.signal).then(
        () => false,
        () => false,
      ),
    ]);
  } finally {
    timer.abort();
  }
}

/**
 * Runs `task` for every item, `concurrency` at a time, until all are done or `ms` of clock time passed; then the
 * signal given to running tasks is aborted and the rest are skipped. Task errors are reported, never thrown.
 */
export async function forEachWithin<T>(
  clock: Clock,
  items: T[],
  options: { concurrency: number; ms: number; onError: (item: T, err: unknown) => void },
  task: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const stop = new AbortController();
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined && !stop.signal.aborted; item = queue.shift()) {
      try {
        await task(item, stop.signal);
      } catch (err) {
        options.onError(item, err);
      }
    }
  };
  const all = Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  if (!(await settlesWithin(clock, all, options.ms))) {
    stop.abort(new Error('flush deadline reached'));
    await all;
  }
}
