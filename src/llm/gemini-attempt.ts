/** Per-attempt plumbing: our abort controller (caller abort + timeout) and a fetch that remembers Retry-After. */
export interface Attempt {
  signal: AbortSignal;
  fetch: typeof fetch;
  retryAfterHeader: string | null;
  timedOut: boolean;
  /** Restarts the timeout (streams: called on every chunk). */
  touch(): void;
  /** The response was read to its end: `dispose` then has no request to cancel. */
  completed(): void;
  dispose(): void;
}

/** Starts one provider attempt with its own timeout, aborted too when the caller aborts. */
export function startAttempt(timeoutMs: number, caller: AbortSignal | undefined): Attempt {
  const ac = new AbortController();
  const onCallerAbort = () => ac.abort(caller?.reason);
  caller?.addEventListener('abort', onCallerAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const attempt: Attempt = {
    signal: ac.signal,
    retryAfterHeader: null,
    timedOut: false,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (!res.ok) attempt.retryAfterHeader = res.headers.get('retry-after');
      return res;
    },
    touch() {
      clearTimeout(timer);
      // real timer: bounds a live socket's silence (wall time); tests drive retry backoff, not network waits, by clock.
      timer = setTimeout(() => {
        attempt.timedOut = true;
        ac.abort(new Error('timeout'));
      }, timeoutMs);
    },
    completed() {
      done = true;
    },
    dispose() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
      // Frees the connection when a request or stream is abandoned. After a completed one it would change nothing,
      // yet cost the fetch's abort listeners and a stack trace on every call.
      if (!done && !ac.signal.aborted) ac.abort(new Error('disposed'));
    },
  };
  if (caller?.aborted) ac.abort(caller.reason);
  attempt.touch();
  return attempt;
}
