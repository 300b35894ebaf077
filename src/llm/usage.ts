import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Store } from '../store/db.ts';
import type { LlmCallRecord } from './gemini.ts';

/** Per-model totals over a period. */
export interface UsageSummary {
  model: string;
  calls: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
}

/** One call as recorded: the adapter's record plus whom it was for, what for and what it cost. */
export interface AttributedCall extends LlmCallRecord {
  userId?: number | undefined;
  agent?: string | undefined;
  /** `chat`, `scheduled`, `memory` or `other` (default). */
  purpose?: string;
  costUsd?: number;
}

/** Writes `llm_calls` rows. Best-effort: a failing write is logged, never thrown into a turn. */
export interface UsageRecorder {
  /** Pass as `onUsage` to createGeminiLlm. Returns immediately; the write happens in the background. */
  record(rec: AttributedCall): void;
  /** Totals per model since `sinceMs` (epoch ms). */
  summary(sinceMs: number): Promise<UsageSummary[]>;
  /** Resolves when every queued write has settled (for shutdown and tests). */
  flush(): Promise<void>;
}

export function createUsageRecorder(deps: { store: Store; clock: Clock; log: Logger }): UsageRecorder {
  const pending = new Set<Promise<unknown>>();
  return {
    record(rec) {
      const p = deps.store
        .run(
          `INSERT INTO llm_calls (ts, model, kind, input_tokens, output_tokens, total_tokens, ms, ok, error, attempts,
             user_id, agent, purpose, cached_tokens, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            deps.clock.now(),
            rec.model,
            rec.kind,
            rec.usage.inputTokens,
            rec.usage.outputTokens,
            rec.usage.totalTokens,
            Math.round(rec.ms),
            rec.ok ? 1 : 0,
            rec.error ?? null,
            rec.attempts,
            rec.userId ?? null,
            rec.agent ?? rec.accountTo?.agent ?? null,
            rec.purpose ?? 'other',
            rec.usage.cachedTokens ?? 0,
            rec.costUsd ?? 0,
          ],
        )
        .catch((err) => deps.log.warn({ err: toError(err) }, 'could not record llm usage'))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async summary(sinceMs) {
      const rows = await deps.store.query(
        `SELECT model, COUNT(*) AS calls, SUM(1 - ok) AS failed, SUM(input_tokens) AS input, SUM(output_tokens) AS output
         FROM llm_calls WHERE ts >= ? GROUP BY model ORDER BY model`,
        [sinceMs],
      );
      return rows.map((r) => ({
        model: String(r.model),
        calls: Number(r.calls),
        failed: Number(r.failed ?? 0),
        inputTokens: Number(r.input ?? 0),
        outputTokens: Number(r.output ?? 0),
      }));
    },
    async flush() {
      await Promise.allSettled([...pending]);
    },
  };
}
