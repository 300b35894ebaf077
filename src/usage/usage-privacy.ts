import type { Store, WriteTx } from '../store/db.ts';

/** A user's usage in /export: every recorded model call (no text; there is none) and the owner's limits for them. */
export interface UsageExport {
  calls: {
    at: string;
    model: string;
    kind: string;
    purpose: string;
    agent: string | null;
    inputTokens: number;
    cachedTokens: number;
    outputTokens: number;
    totalTokens: number;
    costUsd: number;
    ok: boolean;
    error: string | null;
  }[];
  limits: { dailyUsd: number | null; monthlyUsd: number | null } | null;
}

/** Reads the user's `llm_calls` rows and `usage_budgets` row for /export. */
export async function exportUserUsage(store: Store, userId: number): Promise<UsageExport> {
  const rows = await store.query(
    `SELECT ts, model, kind, purpose, agent, input_tokens, cached_tokens, output_tokens, total_tokens, cost_usd, ok, error
     FROM llm_calls WHERE user_id = ? ORDER BY ts, id`,
    [userId],
  );
  const budget = await store.get('SELECT daily_usd, monthly_usd FROM usage_budgets WHERE user_id = ?', [userId]);
  const numOrNull = (v: unknown) => (v == null ? null : Number(v));
  return {
    calls: rows.map((r) => ({
      at: new Date(Number(r.ts)).toISOString(),
      model: String(r.model),
      kind: String(r.kind),
      purpose: String(r.purpose),
      agent: r.agent == null ? null : String(r.agent),
      inputTokens: Number(r.input_tokens),
      cachedTokens: Number(r.cached_tokens),
      outputTokens: Number(r.output_tokens),
      totalTokens: Number(r.total_tokens),
      costUsd: Number(r.cost_usd),
      ok: Number(r.ok) === 1,
      error: r.error == null ? null : String(r.error),
    })),
    limits: budget ? { dailyUsd: numOrNull(budget.daily_usd), monthlyUsd: numOrNull(budget.monthly_usd) } : null,
  };
}

/** /wipe: deletes the user's usage records and budget row (in the wipe's secure-delete transaction). */
export async function eraseUserUsage(tx: WriteTx, userId: number): Promise<void> {
  await tx.run('DELETE FROM llm_calls WHERE user_id = ?', [userId]);
  await tx.run('DELETE FROM usage_budgets WHERE user_id = ?', [userId]);
}
