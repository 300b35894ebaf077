import { createLogger } from '../../src/core/logger.ts';
import type { ResumableTurnRunner, TurnOutcome, TurnRequest } from '../../src/core/turn.ts';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createAttributionScope } from '../../src/usage/attribution.ts';
import { createBudgetTurns } from '../../src/usage/budget-turns.ts';
import { createBudgets } from '../../src/usage/budgets.ts';
import { createUsageStore } from '../../src/usage/usage-store.ts';
import { tempDbUrl } from '../../test/support/temp-db.ts';
import { type BenchRow, median, percentile } from './row.ts';

/**
 * The budget check around every turn (src/usage/budget-turns.ts): a turn through the budget wrapper against the same
 * turn without it, with the user's spend cached; and, for comparison, the indexed SUM the cache saves on each turn
 * (one user's month among 100k recorded calls of 50 users).
 */
const USERS = 50;
const CALLS = 100_000;
const DAY = 86_400_000;
const TURNS = 20_000;

const OUTCOME: TurnOutcome = { status: 'done', text: 'ok', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } };
const inner: ResumableTurnRunner = { run: async () => OUTCOME, resume: async () => OUTCOME };

function request(i: number): TurnRequest {
  return {
    turnId: `bench:${i}`,
    userId: 1,
    chat: { chatId: 1, type: 'private' },
    text: 'hi',
    attachments: [],
    source: 'telegram',
    timezone: 'Europe/Berlin',
  };
}

/** Per-turn ms of `run` over TURNS turns, after a warm-up. */
async function timeTurns(runner: ResumableTurnRunner): Promise<number[]> {
  for (let i = 0; i < 1000; i++) await runner.run(request(i));
  const times: number[] = [];
  for (let i = 0; i < TURNS; i++) {
    const t0 = performance.now();
    await runner.run(request(i));
    times.push(performance.now() - t0);
  }
  return times;
}

export async function run(): Promise<BenchRow[]> {
  const db = tempDbUrl('usage-bench');
  const store = await createStore({ url: db.url, migrations });
  try {
    const now = Date.UTC(2026, 11, 20, 12);
    const rows = Array.from({ length: CALLS }, (_, i) => [now - (i % (60 * 24)) * 60_000 * 40, (i % USERS) + 1]);
    for (let i = 0; i < rows.length; i += 5000) {
      await store.batch(
        rows.slice(i, i + 5000).map(([ts, user]) => ({
          sql: `INSERT INTO llm_calls (ts, model, kind, input_tokens, output_tokens, total_tokens, ms, ok, user_id, purpose, cost_usd)
                VALUES (?, 'gemini-2.5-flash', 'stream', 1000, 100, 1100, 500, 1, ?, 'chat', 0.00055)`,
          args: [ts as number, user as number],
        })),
      );
    }
    const usage = createUsageStore(store);
    const clock = { now: () => now, sleep: async () => undefined };
    // Limits far above the spend: every turn passes, so the check is all that is measured.
    const budgets = createBudgets({
      usage,
      clock,
      defaults: { dailyUsd: 1000, monthlyUsd: 10_000 },
      timezoneOf: async () => 'Europe/Berlin',
      ttlMs: 10 * DAY,
    });
    const log = createLogger({ level: 'silent' });
    const wrapped = createBudgetTurns({
      scope: createAttributionScope(),
      budgets,
      usage,
      outbox: { send: async () => ({ ok: true, messageIds: [1] }) },
      now: () => now,
      log,
      ownerId: async () => 1,
      nameOf: async () => 'bench',
      localeOf: async () => 'en',
    })(inner);
    const plain = await timeTurns(inner);
    const guarded = await timeTurns(wrapped);
    const overhead = median(guarded) - median(plain);
    const sums: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await usage.spend((i % USERS) + 1, now - DAY, now - 30 * DAY);
      sums.push(performance.now() - t0);
    }
    return [
      {
        area: 'usage',
        name: 'budget check per turn (cached spend), p50 added latency',
        value: overhead,
        unit: 'ms',
        target: '≤ 0.1 ms',
        pass: overhead <= 0.1,
        note: `turn through the budget wrapper ${median(guarded).toFixed(4)} ms vs ${median(plain).toFixed(4)} ms bare; p99 ${percentile(guarded, 99).toFixed(4)} ms`,
      },
      {
        area: 'usage',
        name: 'uncached spend query (one user, month, 100k calls of 50 users), p50',
        value: median(sums),
        unit: 'ms',
        note: 'what each turn would pay without the cache; paid once a minute per active user instead',
      },
    ];
  } finally {
    await store.close();
    await db.cleanup();
  }
}
