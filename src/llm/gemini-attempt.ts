/** Per-attempt plumbing: our abort controller (caller abort + timeout) and a fetch that remembers Retry-After. */
export interface Attempt {
  signal: AbortSignal;
  fetch: typeof fetch;
  retryAfterHeader: string | null;
  timedOut: boolean;
  /** Restarts the timeout (streams: called on every chunk). */
  touch(): void;
  dispose(): void;
}

/** Starts one provider attempt with its own timeout, aborted too when the caller aborts. */
export function startAttempt(timeoutMs: number, caller: AbortSignal | undefined): Attempt {
  const ac = new AbortController();
  const onCallerAbort = () => ac.abort(caller?.reason);
  caller?.addEventListener('abort', onCallerAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
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
      timer = setTimeout(() => {
        attempt.timedOut = true;
        ac.abort(new Error('timeout'));
      }, timeoutMs);
    },
    dispose() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
      // Frees the connection when a stream is abandoned; a no-op after a completed request.
      if (!ac.signal.aborted) ac.abort(new Error('disposed'));
    },
  };
  if (caller?.aborted) ac.abort(caller.reason);
  attempt.touch();
  return attempt;
}
