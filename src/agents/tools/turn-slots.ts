/**
 * At most `limit` holders at once per key (a turn id). Others wait in order until a slot frees or their signal aborts.
 * A key's state is dropped as soon as nobody holds or waits for it, so finished turns leave nothing behind.
 */
export interface TurnSlots {
  /** Waits for a slot of `key`; resolves with the release function (call it exactly once). Rejects when `signal` aborts. */
  acquire(key: string, signal: AbortSignal): Promise<() => void>;
  /** Holders and waiters of a key right now (for tests and diagnostics). */
  usage(key: string): { active: number; waiting: number };
}

interface Waiter {
  grant: () => void;
}

interface KeyState {
  active: number;
  queue: Waiter[];
}

/** Creates per-key slots with `limit` ≥ 1 holders each. */
export function createTurnSlots(limit: number): TurnSlots {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`slot limit must be a positive integer, got ${limit}`);
  const keys = new Map<string, KeyState>();

  function releaser(key: string, state: KeyState): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = state.queue.shift();
      if (next) {
        next.grant();
        return;
      }
      state.active -= 1;
      if (state.active === 0 && state.queue.length === 0) keys.delete(key);
    };
  }

  return {
    acquire(key, signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      let state = keys.get(key);
      if (!state) {
        state = { active: 0, queue: [] };
        keys.set(key, state);
      }
      const s = state;
      if (s.active < limit) {
        s.active += 1;
        return Promise.resolve(releaser(key, s));
      }
      return new Promise<() => void>((resolve, reject) => {
        const waiter: Waiter = {
          // The slot passes straight from the releasing holder to this waiter (`active` stays the same).
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve(releaser(key, s));
          },
        };
        const onAbort = () => {
          const at = s.queue.indexOf(waiter);
          if (at >= 0) s.queue.splice(at, 1);
          if (s.active === 0 && s.queue.length === 0) keys.delete(key);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        s.queue.push(waiter);
      });
    },
    usage(key) {
      const s = keys.get(key);
      return { active: s?.active ?? 0, waiting: s?.queue.length ?? 0 };
    },
  };
}
