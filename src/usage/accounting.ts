import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { LlmCallRecord } from '../llm/gemini.ts';
import type { UsageRecorder } from '../llm/usage.ts';
import type { AttributionScope, UsagePurpose } from './attribution.ts';
import type { Budgets } from './budgets.ts';
import { type PricingConfig, costOf, priceOf } from './pricing.ts';

export interface AccountingDeps {
  scope: AttributionScope;
  pricing: PricingConfig;
  recorder: Pick<UsageRecorder, 'record'>;
  budgets: Pick<Budgets, 'add'>;
  clock: Clock;
  log: Logger;
}

/**
 * The Gemini adapter's `onUsage`: each finished call gets its user and purpose (from the ambient turn, or what the
 * caller named), its agent and its cost, is written to `llm_calls`, and is added to the user's cached budget spend.
 */
export function createUsageAccounting(deps: AccountingDeps): (rec: LlmCallRecord) => void {
  const warned = new Set<string>();
  return (rec) => {
    const ambient = deps.scope.current();
    const userId = rec.accountTo?.userId ?? ambient?.userId;
    const purpose: UsagePurpose = ambient?.purpose ?? (rec.accountTo?.agent === 'memory' ? 'memory' : 'other');
    const agent = rec.accountTo?.agent ?? (purpose === 'memory' ? 'memory' : undefined);
    const price = priceOf(deps.pricing, rec.model);
    if (!price && !warned.has(rec.model)) {
      warned.add(rec.model);
      deps.log.warn({ model: rec.model }, 'no price for this model in pricing.json: its calls are counted at $0');
    }
    const costUsd = price && rec.ok ? costOf(price, rec.usage) : 0;
    deps.recorder.record({ ...rec, userId, agent, purpose, costUsd });
    if (userId !== undefined) deps.budgets.add(userId, costUsd, deps.clock.now());
  };
}
