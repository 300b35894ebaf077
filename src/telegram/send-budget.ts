import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Store } from '../store/db.ts';
import { type RateLimiter, type RateLimiterOptions, createRateLimiter } from './rate-limiter.ts';
import { createSendBudgetStore } from './send-budget-store.ts';

/** Telegram's limits as intervals between two messages, with a margin for network jitter between instances. */
export interface SendBudgetOptions {
  /** Messages per second across all chats (Telegram: 30). */
  globalPerSec?: number;
  /** Messages per second in one private chat (Telegram: about 1). */
  privatePerSec?: number;
  /** Messages per minute in one group (Telegram: 20). */
  groupPerMin?: number;
  /**
   * The global interval is stretched by this share (0.1 → 27.3/s of 30): 31 messages then span 1100 ms, so one
   * message sent up to 100 ms late (a busy event loop, a slow hop) still can't put 31 into one second.
   */
  globalSlack?: number;
  /** Added to the per-chat intervals. Default 50 ms. */
  chatMarginMs?: number;
}

/** How late (ms) a message may still use its claimed slot; the global slack leaves about 100 ms. */
const LATE_TOLERANCE_MS = 40;
/** A message late this many times in a row goes anyway (429s are still retried). */
const MAX_LATE_RECLAIMS = 3;

/**
 * The limiter for this process: on a local file (one instance) the in-process limiter alone, at no cost. On a remote
 * database (several instances may share it) every message also claims its slot in the database, which then holds the
 * global budget: the local limiter's global rate is raised (4×), because a grant stays in flight while it waits for
 * its claimed slot and would otherwise throttle this process below its share.
 */
export function sendLimiterFor(
  local: RateLimiterOptions,
  deps: { store: Store; clock: Clock; log: Logger },
): RateLimiter {
  if (deps.store.kind !== 'remote') return createRateLimiter(local);
  const globalPerSec = local.globalPerSec ?? 30;
  return withSharedSendBudget(createRateLimiter({ ...local, globalPerSec: globalPerSec * 4 }), {
    ...deps,
    options: { globalPerSec, privatePerSec: local.privatePerSec, groupPerMin: local.groupPerMin },
  });
}

/**
 * Wraps the in-process limiter so several instances on one remote database share Telegram's budget: after the local
 * grant (order per chat, coalescing, this process's share), every message claims its time slot in the `send_budget`
 * table in one statement and waits for it. Light requests (chat actions, drafts) are not in the message budget and
 * pass straight through. If the database can't be reached the message goes out under the local limits alone (a
 * possible 429 is retried; a lost reply is worse).
 */
export function withSharedSendBudget(
  local: RateLimiter,
  deps: { store: Store; clock: Clock; log: Logger; options?: SendBudgetOptions },
): RateLimiter {
  const o = deps.options ?? {};
  const budget = createSendBudgetStore(deps.store);
  const globalInterval = (1000 / (o.globalPerSec ?? 30)) * (1 + (o.globalSlack ?? 0.1));
  const margin = o.chatMarginMs ?? 50;
  const privateInterval = 1000 / (o.privatePerSec ?? 1) + margin;
  const groupInterval = 60_000 / (o.groupPerMin ?? 20) + margin;
  let warned = false;

  async function claim(chatId: number, signal: AbortSignal | undefined): Promise<void> {
    const interval = chatId < 0 ? groupInterval : privateInterval;
    for (let late = 0; ; ) {
      const sentAt = deps.clock.now();
      const c = await budget.claim(`chat:${chatId}`, interval, globalInterval);
      // The database's "now" fell somewhere in the round trip: take its middle as our local time for it.
      const deadline = (sentAt + deps.clock.now()) / 2 + ((c.kind === 'granted' ? c.sendAt : c.retryAt) - c.now);
      const wait = deadline - deps.clock.now();
      if (wait > 0) await deps.clock.sleep(wait, signal);
      if (c.kind !== 'granted') continue;
      // Woken too late (a busy event loop), the message would crowd the slots after its own: claim a fresh one.
      if (deps.clock.now() - deadline <= LATE_TOLERANCE_MS || ++late >= MAX_LATE_RECLAIMS) return;
    }
  }

  return {
    ...local,
    async acquire(chatId, options = {}) {
      const grant = await local.acquire(chatId, options);
      if (!grant || options.lane === 'light') return grant;
      try {
        await claim(chatId, options.signal);
      } catch (err) {
        if (options.signal?.aborted) {
          grant.release();
          return undefined;
        }
        if (!warned) deps.log.warn({ err: toError(err) }, 'shared send budget unavailable; using local limits');
        warned = true;
      }
      return grant;
    },
  };
}
