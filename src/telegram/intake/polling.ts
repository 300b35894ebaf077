import { GrammyError, HttpError } from 'grammy';
import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import { backoffDelay } from '../../core/backoff.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { ALLOWED_UPDATES } from './classify.ts';

export interface PollingOptions {
  api: Api;
  /** Journals and dispatches a batch; must resolve only once the batch is durably journaled. */
  accept: (updates: Update[]) => Promise<unknown>;
  log: Logger;
  clock: Clock;
  /** Long-poll timeout in seconds. Default 25. */
  timeoutSeconds?: number;
  /** Called once for errors retrying cannot fix (bad token). The loop has stopped. */
  onFatal: (error: AppError) => void;
}

export interface Polling {
  start(): void;
  /** Stops after aborting the current long poll. */
  stop(): Promise<void>;
  /** Epoch ms of the last successful getUpdates, or undefined. */
  lastPollAt(): number | undefined;
  lastError(): string | undefined;
}

const MAX_BACKOFF_MS = 30_000;
/** grammY types its signal with the abort-controller polyfill; the native one works at runtime. */
type GrammySignal = Parameters<Api['getUpdates']>[1];

/**
 * Our own long-poll loop (instead of @grammyjs/runner): each batch is journaled BEFORE the next
 * getUpdates confirms its offset, so a crash between the two only causes a redelivery, which the
 * journal dedupes. Ordering and concurrency live in the dispatcher, which also owns crash recovery.
 */
export function createPolling(options: PollingOptions): Polling {
  const { api, accept, log, clock } = options;
  const timeout = options.timeoutSeconds ?? 25;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let lastPoll: number | undefined;
  let lastErr: string | undefined;

  let offset: number | undefined;

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await api.getUpdates(
          { offset, timeout, allowed_updates: [...ALLOWED_UPDATES] },
          signal as GrammySignal,
        );
        lastPoll = clock.now();
        failures = 0;
        lastErr = undefined;
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        const delay = backoffDelay(failures, { baseMs: 500, maxMs: MAX_BACKOFF_MS });
        if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
          const fatal = new AppError(
            'telegram_failed',
            'Telegram rejected the bot token (401 Unauthorized). Check TELEGRAM_BOT_TOKEN: get a valid token from @BotFather.',
            { cause: err },
          );
          log.fatal({ err: toError(err) }, fatal.message);
          options.onFatal(fatal);
          return;
        }
        if (err instanceof GrammyError && err.error_code === 409) {
          lastErr = 'conflict: another getUpdates or a webhook is active';
          log.error(
            { err: toError(err), retryInMs: delay },
            'getUpdates conflict (409): another instance of this bot is polling, or a webhook is set. Retrying.',
          );
        } else if (err instanceof GrammyError && err.error_code === 429) {
          const retryAfter = Number(err.parameters.retry_after ?? 1) * 1000;
          lastErr = 'rate limited';
          log.warn({ retryInMs: retryAfter }, 'getUpdates rate limited');
          await clock.sleep(retryAfter, signal).catch(() => undefined);
          continue;
        } else {
          lastErr = err instanceof HttpError ? 'network error' : toError(err).message;
          log.warn({ err: toError(err), retryInMs: delay, failures }, 'getUpdates failed; retrying with backoff');
        }
        await clock.sleep(delay, signal).catch(() => undefined);
        continue;
      }
      if (updates.length === 0) continue;
      try {
        await accept(updates);
      } catch (err) {
        // Not journaled: do not confirm the offset, so Telegram delivers the batch again.
        log.error({ err: toError(err) }, 'cannot journal updates; they will be fetched again');
        await clock.sleep(1000, signal).catch(() => undefined);
        continue;
      }
      const last = updates[updates.length - 1];
      if (last) offset = last.update_id + 1;
    }
  }

  return {
    start() {
      if (loop) return;
      controller = new AbortController();
      loop = run(controller.signal).catch((err) => log.error({ err: toError(err) }, 'polling loop crashed'));
    },
    async stop() {
      controller?.abort();
      await loop;
      loop = undefined;
      if (offset === undefined) return;
      // Confirm the last journaled batch so the next start is not sent it again (harmless if this fails).
      try {
        await api.getUpdates({ offset, limit: 1, timeout: 0 }, AbortSignal.timeout(2000) as GrammySignal);
      } catch {
        // redelivery is deduped by the journal
      }
    },
    lastPollAt: () => lastPoll,
    lastError: () => lastErr,
  };
}
