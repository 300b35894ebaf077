/** Event-driven polling used by the fakes' `waitFor` helpers. */

export type Ready<T> = T | undefined | false | null;

export interface WaitOptions {
  timeoutMs?: number;
  /** Shown in the timeout error. */
  label?: string;
}

/**
 * Evaluates `fn` now, on every `subscribe` notification and every `pollMs` as a backstop, and resolves
 * with the first value that is not undefined/false/null. A throwing `fn` counts as "not yet" (the last
 * error is reported on timeout). Rejects after `timeoutMs` with `describe()` appended to the message.
 */
export function waitUntil<T>(
  fn: () => Ready<T>,
  options: WaitOptions & {
    subscribe: (listener: () => void) => () => void;
    describe: () => string;
    pollMs?: number;
    /** Rejects the wait early (e.g. the fake was closed). */
    cancelled?: () => string | undefined;
  },
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<T>((resolve, reject) => {
    let lastError: unknown;
    let settled = false;
    const check = (): void => {
      if (settled) return;
      const cancelReason = options.cancelled?.();
      if (cancelReason !== undefined) {
        finish();
        reject(new Error(`waitFor${options.label ? ` (${options.label})` : ''} cancelled: ${cancelReason}`));
        return;
      }
      let value: Ready<T>;
      try {
        value = fn();
      } catch (error) {
        lastError = error;
        return;
      }
      if (value !== undefined && value !== false && value !== null) {
        finish();
        resolve(value);
      }
    };
    const unsubscribe = options.subscribe(() => {
      // Let the state change settle (e.g. the response being written) before re-checking.
      queueMicrotask(check);
    });
    const poll = setInterval(check, options.pollMs ?? 25);
    const timer = setTimeout(() => {
      if (settled) return;
      finish();
      const errorText =
        lastError === undefined
          ? ''
          : `\nLast error from the condition: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      reject(
        new Error(
          `waitFor${options.label ? ` (${options.label})` : ''} timed out after ${timeoutMs} ms${errorText}\n${options.describe()}`,
        ),
      );
    }, timeoutMs);
    function finish(): void {
      settled = true;
      unsubscribe();
      clearInterval(poll);
      clearTimeout(timer);
    }
    check();
  });
}
