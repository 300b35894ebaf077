import { type Cancel, type Clock, later } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { SendBudgetStore } from './send-budget-store.ts';
import { fairShare, shareWanted } from './send-share-rule.ts';

/** Tuning of the global token shares; the defaults suit Telegram's 30 messages/s. */
export interface SendSharesOptions {
  /** Messages in any second across all instances (Telegram: 30). */
  total?: number;
  /** How long a share stays reserved without renewal (a crashed instance's tokens come back after it). */
  leaseMs?: number;
  /** How often an instance renews its lease and rebalances while it sends (idle: a quarter of the lease). */
  tickMs?: number;
  /** Tokens an idle instance keeps, so its next reply needn't wait for an exchange. */
  floor?: number;
  /** Messages/s this instance allows itself while it can't reach the database (replies still go out). */
  fallback?: number;
}

/** Keeps this instance's share of the global send budget in the database and applies it to the local limiter. */
export interface SendShares {
  start(): void;
  /** Demand changed: rebalance soon rather than at the next tick. */
  poke(): void;
  /** Stops renewing and gives the tokens back (best effort; an unrenewed lease lapses anyway). */
  stop(): void;
}

/**
 * Global budget shared by instances as tokens: each live instance holds some of the `total` messages per second,
 * leased in the `send_budget` table; its own limiter enforces its tokens exactly (a send counts from its grant
 * until a second after Telegram answered). A token moves only through the database, lowered locally before it is
 * given back and used only after the database granted it, so the instances' sum never exceeds the total, however
 * late a process runs. Tokens follow demand: max-min fair over what the instances ask for.
 */
export function createSendShares(deps: {
  budget: SendBudgetStore;
  /** This process's id in the budget. */
  instance: string;
  limiter: RateLimiter;
  clock: Clock;
  log: Logger;
  options?: SendSharesOptions;
}): SendShares {
  const { budget, limiter, clock, log } = deps;
  const o = deps.options ?? {};
  const total = o.total ?? 30;
  const leaseMs = o.leaseMs ?? 10_000;
  const tickMs = o.tickMs ?? 250;
  const floor = Math.min(total, o.floor ?? 2);
  const fallback = o.fallback ?? 3;
  const key = `instance:${deps.instance}`;
  /** Tokens this instance holds in the database and enforces. */
  let held = 0;
  /** Local time until which the lease surely holds (it was renewed after this instance asked). */
  let leaseUntil = Number.NEGATIVE_INFINITY;
  let running = false;
  let stopped = false;
  let lastTick = Number.NEGATIVE_INFINITY;
  let timer: Cancel | undefined;
  let failing = false;
  /** What the other live instances asked for at the last exchange. */
  let othersWant: number[] = [];
  let lapse: Cancel | undefined;
  /** Holding no more than it asks for and nothing waiting: renew slowly (each renewal is a database write). */
  let idle = false;

  async function tick(): Promise<void> {
    if (running || stopped) return;
    running = true;
    timer?.();
    timer = undefined;
    const startedAt = clock.now();
    lastTick = startedAt;
    try {
      const inUse = limiter.globalInUse();
      const want = shareWanted({ inUse, waiting: limiter.pending(), floor, headroom: 3, total });
      const target = fairShare(total, want, othersWant);
      // Give back only what is not counting right now; lower here first, so the database never shows fewer tokens
      // than this process may still be using.
      const ask = target >= held ? target : Math.max(target, Math.min(held, inUse));
      if (ask < held) apply(ask);
      const got = await budget.putShare(key, { tokens: ask, want, total, leaseMs });
      if (stopped) return;
      othersWant = got.othersWant;
      leaseUntil = startedAt + leaseMs - tickMs;
      lapse?.();
      lapse = later(clock, leaseUntil - clock.now(), lapsed, { unref: true });
      apply(got.tokens);
      idle = limiter.pending() === 0 && got.tokens <= want;
      if (failing) log.info('shared send budget reachable again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err: toError(err) }, 'shared send budget unavailable; retrying');
      failing = true;
    } finally {
      running = false;
      if (!stopped) timer = later(clock, idle ? leaseMs / 4 : tickMs, tick, { unref: true });
    }
  }

  /** Not renewed in time: the others may take these tokens now. Keep sending, slowly (a 429 is retried). */
  function lapsed(): void {
    if (stopped || clock.now() < leaseUntil) return;
    held = 0;
    limiter.setGlobalLimit(fallback);
  }

  function apply(tokens: number): void {
    held = tokens;
    limiter.setGlobalLimit(tokens);
  }

  return {
    start() {
      // Nothing is sent until the database granted tokens (a round trip; it was reachable, the process started).
      apply(0);
      void tick();
    },
    poke() {
      if (running || stopped || clock.now() - lastTick < tickMs / 3) return;
      if (limiter.pending() + limiter.globalInUse() <= held) return;
      void tick();
    },
    stop() {
      stopped = true;
      lapse?.();
      timer?.();
      timer = undefined;
      budget.dropShare(key).catch(() => undefined);
    },
  };
}
