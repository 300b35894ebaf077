import type { Store } from '../store/db.ts';

/** The database's clock in ms: the one time every instance shares (their own clocks may differ). */
const DB_NOW_MS = `(julianday('now') - 2440587.5) * 86400000.0`;

/** Rows of instances' token shares (`instance:<id>`), as an index range on the key. */
const INSTANCE_ROWS = `key >= 'instance:' AND key < 'instance;'`;

/**
 * Takes each free chat of a batch (JSON array of keys, unique) for a send in flight: its row becomes `now + hold`,
 * marked with the batch's id. A chat not free yet keeps its row.
 */
const CLAIM_CHATS_SQL = `INSERT INTO send_budget (key, next_at, claim)
SELECT value, ${DB_NOW_MS} + ?3, ?2 FROM json_each(?1) WHERE true
ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at, claim = excluded.claim
  WHERE send_budget.next_at <= ${DB_NOW_MS}`;

/** Which chats of the batch it took, and how long (ms) the others are still taken (and whether by a send). */
const CLAIMED_SQL = `SELECT key, claim, next_at - ${DB_NOW_MS} AS wait FROM send_budget
WHERE key IN (SELECT value FROM json_each(?1))`;

/** Claims (JSON `[{key, claim, gap}]`) whose sends are done: the chat is free `gap` ms after now. */
const RELEASE_SQL = `UPDATE send_budget SET next_at = ${DB_NOW_MS} + json_extract(j.value, '$.gap'), claim = NULL
FROM json_each(?1) AS j
WHERE send_budget.key = json_extract(j.value, '$.key') AND send_budget.claim = json_extract(j.value, '$.claim')`;

/** Claims (JSON `[{key, claim}]`) still in flight: held for another `hold` ms. */
const RENEW_SQL = `UPDATE send_budget SET next_at = ${DB_NOW_MS} + ?2
FROM json_each(?1) AS j
WHERE send_budget.key = json_extract(j.value, '$.key') AND send_budget.claim = json_extract(j.value, '$.claim')`;

/** A chat's claim as the database answered it: taken for this batch, or still taken for `waitMs`. */
export type ChatClaim = { claimed: true } | { claimed: false; waitMs: number; inFlight: boolean };

/** A claim to release or renew. */
export interface HeldClaim {
  key: string;
  claim: string;
}

/**
 * Renews this instance's lease and sets its tokens to what it asks for, capped by what the live others leave: the
 * total can never exceed the budget, whatever order instances write in (the server serializes writes).
 */
const PUT_SHARE_SQL = `INSERT INTO send_budget (key, next_at, tokens, want)
SELECT ?1, now + ?2, MIN(?3, MAX(0, ?4 - others)), ?5 FROM (
  SELECT ${DB_NOW_MS} AS now,
    (SELECT COALESCE(SUM(tokens), 0) FROM send_budget
      WHERE ${INSTANCE_ROWS} AND key <> ?1 AND next_at > ${DB_NOW_MS}) AS others
) WHERE true
ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at, tokens = excluded.tokens, want = excluded.want`;

/** SQL of the shared send budget (table `send_budget`, migration 029). */
export function createSendBudgetStore(store: Store) {
  return {
    /** Claims several chats for sends in flight in one write (and one read to see which it got). */
    async claimChats(batchId: string, keys: readonly string[], holdMs: number): Promise<Map<string, ChatClaim>> {
      const json = JSON.stringify(keys);
      await store.run(CLAIM_CHATS_SQL, [json, batchId, holdMs]);
      const rows = await store.query(CLAIMED_SQL, [json]);
      const claims = new Map<string, ChatClaim>();
      for (const r of rows) {
        claims.set(
          String(r.key),
          r.claim === batchId
            ? { claimed: true }
            : { claimed: false, waitMs: Math.max(1, Number(r.wait)), inFlight: r.claim !== null },
        );
      }
      return claims;
    },
    /** Frees chats whose sends are done, each `gap` ms after now. */
    async releaseChats(done: readonly (HeldClaim & { gap: number })[]): Promise<void> {
      await store.run(RELEASE_SQL, [JSON.stringify(done)]);
    },
    /** Holds the chats of sends still in flight for another `holdMs`. */
    async renewChats(held: readonly HeldClaim[], holdMs: number): Promise<void> {
      await store.run(RENEW_SQL, [JSON.stringify(held), holdMs]);
    },
    /**
     * Renews this instance's lease for `leaseMs` and asks for `tokens`; returns the tokens it now holds and what the
     * other live instances ask for.
     */
    async putShare(instanceKey: string, o: { tokens: number; want: number; total: number; leaseMs: number }) {
      await store.run(PUT_SHARE_SQL, [instanceKey, o.leaseMs, o.tokens, o.total, o.want]);
      const rows = await store.query(
        `SELECT key, tokens, want FROM send_budget WHERE ${INSTANCE_ROWS} AND (key = ?1 OR next_at > ${DB_NOW_MS})`,
        [instanceKey],
      );
      const mine = rows.find((r) => r.key === instanceKey);
      return {
        tokens: Number(mine?.tokens ?? 0),
        othersWant: rows.filter((r) => r.key !== instanceKey).map((r) => Number(r.want)),
      };
    },
    /** Gives every token back (a stopping instance). */
    async dropShare(instanceKey: string): Promise<void> {
      await store.run(`UPDATE send_budget SET tokens = 0, want = 0, next_at = ${DB_NOW_MS} WHERE key = ?`, [
        instanceKey,
      ]);
    },
  };
}

/** The store `createSendBudgetStore` makes. */
export type SendBudgetStore = ReturnType<typeof createSendBudgetStore>;
