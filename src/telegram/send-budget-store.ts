import type { Store } from '../store/db.ts';

/** The database's clock in ms: the one time every instance shares (their own clocks may differ). */
const DB_NOW_MS = `(julianday('now') - 2440587.5) * 86400000.0`;

/**
 * One claim in one statement. When the chat's budget is free now, the message
 * takes the next global slot at `t = max(now, global.next_at)`: the chat's row becomes `t + chatInterval` and the
 * global row `t + globalInterval`. When the chat is not free yet, nothing is reserved (a chat waiting must not hold
 * a global slot others could use) and the chat's row is returned as it is, to retry then.
 */
const CLAIM_SQL = `WITH s AS (
  SELECT ${DB_NOW_MS} AS now,
    COALESCE((SELECT next_at FROM send_budget WHERE key = ?1), 0) AS c0,
    COALESCE((SELECT next_at FROM send_budget WHERE key = 'global'), 0) AS g0
)
INSERT INTO send_budget (key, next_at)
SELECT key, next_at FROM (
  SELECT ?1 AS key, CASE WHEN c0 <= now THEN MAX(now, g0) + ?2 ELSE c0 END AS next_at FROM s
  UNION ALL
  SELECT 'global', MAX(now, g0) + ?3 FROM s WHERE c0 <= now
) WHERE true
ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at
RETURNING key, next_at, ${DB_NOW_MS} AS now`;

/** Outcome of one claim, in database time (ms). */
export type SendClaim =
  | { kind: 'granted'; sendAt: number; now: number }
  | { kind: 'chat-busy'; retryAt: number; now: number };

/** SQL of the shared send budget (table `send_budget`, migration 029). */
export function createSendBudgetStore(store: Store) {
  return {
    /**
     * Reserves the next send of `chatKey` under its interval and the global one: one statement, inside a write
     * transaction so it queues behind this process's other writes (a bare write beside them gets SQLITE_BUSY).
     */
    async claim(chatKey: string, chatIntervalMs: number, globalIntervalMs: number): Promise<SendClaim> {
      const rows = await store.write((tx) => tx.query(CLAIM_SQL, [chatKey, chatIntervalMs, globalIntervalMs]));
      const global = rows.find((r) => r.key === 'global');
      const chat = rows.find((r) => r.key === chatKey);
      const now = Number((global ?? chat)?.now ?? 0);
      if (global) return { kind: 'granted', sendAt: Number(global.next_at) - globalIntervalMs, now };
      return { kind: 'chat-busy', retryAt: Number(chat?.next_at ?? 0), now };
    },
  };
}
