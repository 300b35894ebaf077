import { toError } from './core/errors.ts';
import type { Logger } from './core/logger.ts';

/** Runs every shutdown step in order even when one fails; logs each failure and throws the first at the end. */
export async function stopInOrder(log: Logger, steps: (() => Promise<unknown> | unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
      log.error({ err: toError(err) }, 'error during shutdown');
    }
  }
  if (errors.length > 0) throw toError(errors[0]);
}
