import type { Clock } from '../core/clock.ts';
import { type BudgetState, type Limits, type Period, type Spent, budgetState } from './budget-rules.ts';
import { type Periods, periodsAt } from './periods.ts';
import type { UsageStore } from './usage-store.ts';

/** A user's budget as cached: their zone's periods, the spend in them, and their limits. */
interface Entry {
  zone: string;
  periods: Periods;
  spent: Spent;
  limits: Limits;
  loadedAt: number;
}

/** Where a user stands now, with the periods it was measured in. */
export interface BudgetStatus extends BudgetState {
  periods: Periods;
  spent: Spent;
  limits: Limits;
}

export interface BudgetsDeps {
  usage: UsageStore;
  clock: Clock;
  /** Configured defaults (pricing.json `budgets`). */
  defaults: Limits;
  timezoneOf: (userId: number) => Promise<string>;
  /** How long a cached spend is trusted before it is read again (other processes on the same database). */
  ttlMs?: number;
}

/**
 * Per-user budgets with a cache: the spend of today and this month is read once (one indexed range sum), then kept
 * up to date by `add` on every recorded call, so checking a turn is a map lookup. An entry is read again when its
 * day ends, after `ttlMs` (calls made by other processes), or when the owner changes a limit.
 */
export function createBudgets(deps: BudgetsDeps) {
  const { usage, clock } = deps;
  const ttlMs = deps.ttlMs ?? 60_000;
  const cache = new Map<number, Entry>();
  const loading = new Map<number, Promise<Entry>>();

  async function load(userId: number): Promise<Entry> {
    const now = clock.now();
    const zone = await deps.timezoneOf(userId);
    const periods = periodsAt(now, zone);
    const [spent, row] = await Promise.all([
      usage.spend(userId, periods.dayStart, periods.monthStart),
      usage.budget(userId),
    ]);
    const limits: Limits = {
      dailyUsd: row?.dailyUsd ?? deps.defaults.dailyUsd,
      monthlyUsd: row?.monthlyUsd ?? deps.defaults.monthlyUsd,
    };
    const entry: Entry = { zone, periods, spent, limits, loadedAt: now };
    cache.set(userId, entry);
    return entry;
  }

  function fresh(entry: Entry | undefined, now: number): entry is Entry {
    return entry !== undefined && now < entry.periods.dayEnd && now - entry.loadedAt < ttlMs;
  }

  function statusOf(e: Entry): BudgetStatus {
    return { ...budgetState(e.spent, e.limits), periods: e.periods, spent: { ...e.spent }, limits: { ...e.limits } };
  }

  async function entryOf(userId: number): Promise<Entry> {
    const cached = cache.get(userId);
    if (fresh(cached, clock.now())) return cached;
    let p = loading.get(userId);
    if (!p) {
      p = load(userId).finally(() => loading.delete(userId));
      loading.set(userId, p);
    }
    return p;
  }

  return {
    /** The user's budget status (cached; read from the database when stale). */
    async check(userId: number): Promise<BudgetStatus> {
      return statusOf(await entryOf(userId));
    },

    /** Whether the user is over a limit, from the cache only (unknown users: false). For the per-call guard. */
    blocked(userId: number): boolean {
      const e = cache.get(userId);
      return e !== undefined && budgetState(e.spent, e.limits).over !== undefined;
    },

    /** Adds a recorded call's cost to the cached spend (a call made at `at` in another period is left to reload). */
    add(userId: number, costUsd: number, at: number): void {
      const e = cache.get(userId);
      if (!e || costUsd <= 0) return;
      if (at >= e.periods.monthStart && at < e.periods.monthEnd) e.spent.monthUsd += costUsd;
      if (at >= e.periods.dayStart && at < e.periods.dayEnd) e.spent.dayUsd += costUsd;
    },

    /** The user's limits (the owner's override, else the default). */
    async limitsOf(userId: number): Promise<Limits> {
      return { ...(await entryOf(userId)).limits };
    },

    /** The owner sets a user's limit for one period (null: back to the default); the cache is read again. */
    async setLimit(userId: number, period: Period, usd: number | null): Promise<void> {
      await usage.setLimit(userId, period, usd, clock.now());
      cache.delete(userId);
    },
  };
}

export type Budgets = ReturnType<typeof createBudgets>;
