import type { WrappableTurnRunner } from './agents/turn-wrappers.ts';
import type { AppDeps } from './app.ts';
import type { Outbox } from './core/outbox.ts';
import type { LlmCallRecord } from './llm/gemini.ts';
import type { Llm } from './llm/types.ts';
import { createUsageRecorder } from './llm/usage.ts';
import { createUsageFeature, usageCommands } from './telegram/features/usage.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import { createUsageAccounting } from './usage/accounting.ts';
import { createAttributionScope, llmForPurpose } from './usage/attribution.ts';
import { budgetGuardedLlm, createBudgetTurns } from './usage/budget-turns.ts';
import { createBudgets } from './usage/budgets.ts';
import { loadPricing } from './usage/pricing-file.ts';
import { createUsageService } from './usage/usage-service.ts';
import { createUsageStore } from './usage/usage-store.ts';
import type { Users } from './users/users.ts';

/** What usage needs from services built after the Llm (the users, the outbox, the turn runner). */
export interface UsageAttachment {
  turnRunner: WrappableTurnRunner;
  users: Users;
  outbox: Outbox;
}

/**
 * Usage and budgets, wired: every model call is recorded with its user, agent, purpose and cost; every turn is
 * checked against the user's budget; /usage. Built before the Llm (its `onCall` and `guard` wrap the adapter),
 * then `attach`ed once the users, the outbox and the turn runner exist. Throws ConfigError for a bad pricing.json.
 */
export function createAppUsage(deps: Pick<AppDeps, 'config' | 'store' | 'clock' | 'log'>) {
  const { config, store, clock } = deps;
  const log = deps.log.child({ module: 'usage' });
  const pricing = loadPricing(config.configDir);
  const recorder = createUsageRecorder({ store, clock, log: deps.log });
  const scope = createAttributionScope();
  const usage = createUsageStore(store);
  let attached: UsageAttachment | undefined;
  const defaultZone = config.env.DEFAULT_TIMEZONE;
  const timezoneOf = (userId: number) => attached?.users.timezoneOf(userId) ?? Promise.resolve(defaultZone);
  const nameOf = async (userId: number) => {
    const user = await attached?.users.get(userId);
    return user?.firstName || (user?.username ? `@${user.username}` : String(userId));
  };
  const localeOf = (userId: number) => attached?.users.localeOf(userId) ?? Promise.resolve('en' as const);
  const ownerId = () => attached?.users.ownerId() ?? Promise.resolve(undefined);
  const budgets = createBudgets({ usage, clock, defaults: pricing.budgets, timezoneOf });
  const onCall: (rec: LlmCallRecord) => void = createUsageAccounting({
    scope,
    pricing,
    recorder,
    budgets,
    clock,
    log,
  });
  const service = createUsageService({
    usage,
    budgets,
    pricing,
    clock,
    timezoneOf,
    nameOf,
    flush: () => recorder.flush(),
  });

  return {
    /** The Gemini adapter's `onUsage`. */
    onCall,
    /** The Llm every agent uses: refuses calls for a user who ran out of budget mid-turn. */
    guard: (llm: Llm): Llm => budgetGuardedLlm(llm, scope, budgets),
    /** The Llm memory uses: its calls count as memory work of the user whose turn started them. */
    forMemory: (llm: Llm): Llm => llmForPurpose(llm, scope, 'memory'),
    /** Wraps every turn with the budget check and the attribution, once the services exist. */
    attach(parts: UsageAttachment): void {
      attached = parts;
      const outbox = parts.outbox;
      parts.turnRunner.wrap(
        createBudgetTurns({ scope, budgets, usage, outbox, now: () => clock.now(), log, ownerId, nameOf, localeOf }),
      );
    },
    /** The /usage command and the owner's raise button. */
    feature(): FeatureModule {
      if (!attached) throw new Error('usage: attach() before feature()');
      const outbox = attached.outbox;
      return {
        composer: createUsageFeature({ service, outbox, ownerId, localeOf, nameOf }),
        commands: usageCommands,
      };
    },
    /** Writes queued usage records (shutdown). */
    flush: () => recorder.flush(),
  };
}
