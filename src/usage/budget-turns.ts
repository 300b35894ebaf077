import type { TurnWrapper } from '../agents/turn-wrappers.ts';
import { AppError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import type { ResumableTurnRunner, TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Llm, StreamChunk } from '../llm/types.ts';
import type { AttributionScope, UsagePurpose } from './attribution.ts';
import { raisedLimit } from './budget-rules.ts';
import type { BudgetStatus, Budgets } from './budgets.ts';
import { raiseData, toMicros } from './usage-buttons.ts';
import { formatUsd, percentOf } from './usage-format.ts';
import type { UsageStore } from './usage-store.ts';
import { usageTexts } from './usage-texts.ts';

export interface BudgetTurnsDeps {
  scope: AttributionScope;
  budgets: Budgets;
  usage: UsageStore;
  outbox: Pick<Outbox, 'send'>;
  now: () => number;
  log: Logger;
  ownerId: () => Promise<number | undefined>;
  nameOf: (userId: number) => Promise<string>;
  localeOf: (userId: number) => Promise<Locale>;
}

/** What a turn is for: a scheduled run (its job's owner pays) or a chat turn (a resume included). */
export function purposeOf(request: TurnRequest): UsagePurpose {
  return request.source === 'schedule' || request.turnId.startsWith('job:') ? 'scheduled' : 'chat';
}

const ZERO = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** Thrown by the guarded Llm when the ambient user ran out of budget mid-turn. */
function budgetError(): AppError {
  return new AppError('budget_exceeded', 'The user has used up their budget');
}

const isBudgetError = (err: unknown): err is AppError => err instanceof AppError && err.code === 'budget_exceeded';

/**
 * An Llm that refuses `generate` and `stream` for a user who is over budget (from the cache: no query per call),
 * so a turn that runs out mid-way makes no further model calls (delegated steps, continued steps). Memory work and
 * calls of no user pass.
 */
export function budgetGuardedLlm(llm: Llm, scope: AttributionScope, budgets: Budgets): Llm {
  const over = (): boolean => {
    const a = scope.current();
    return a?.userId !== undefined && a.purpose !== 'memory' && budgets.blocked(a.userId);
  };
  return {
    generate: (request) => (over() ? Promise.reject(budgetError()) : llm.generate(request)),
    stream(request) {
      if (!over()) return llm.stream(request);
      return (async function* refused(): AsyncGenerator<StreamChunk> {
        yield* [];
        throw budgetError();
      })();
    },
    embed: (texts, options) => llm.embed(texts, options),
  };
}

/**
 * The budget around every turn (chat, approval resumes, scheduled runs): the turn's model calls are attributed to
 * its user (the job's owner for a scheduled run); a user over budget gets the budget message and no model call is
 * made; the owner is told once per period, with a button to raise the limit; a turn that reaches 80 % carries one
 * warning per period.
 */
export function createBudgetTurns(deps: BudgetTurnsDeps): TurnWrapper {
  const { budgets, usage, log } = deps;

  function keyOf(s: BudgetStatus, period: 'day' | 'month', limitUsd: number): string {
    return `${period === 'day' ? s.periods.dayKey : s.periods.monthKey}@${toMicros(limitUsd)}`;
  }

  async function tellOwner(userId: number, s: BudgetStatus): Promise<void> {
    const over = s.over;
    const owner = await deps.ownerId();
    if (!over || owner === undefined) return;
    const column = over.period === 'day' ? 'blocked_day' : 'blocked_month';
    if (!(await usage.mark(userId, column, keyOf(s, over.period, over.limitUsd), deps.now()))) return;
    const t = usageTexts(await deps.localeOf(owner));
    const raised = raisedLimit(over.limitUsd);
    const p = { period: over.period, spent: formatUsd(over.spentUsd), limit: formatUsd(over.limitUsd) };
    await deps.outbox.send(
      { chatId: owner },
      {
        text: t.ownerBlocked({ ...p, name: await deps.nameOf(userId) }),
        format: 'plain',
        keyboard: [
          [
            {
              text: t.raiseButton({ limit: formatUsd(raised) }),
              data: raiseData.encode({ userId, period: over.period, micros: toMicros(raised) }),
            },
          ],
        ],
      },
    );
  }

  async function blockedOutcome(request: TurnRequest, s: BudgetStatus): Promise<TurnOutcome> {
    const over = s.over;
    if (!over) throw new Error('not over budget');
    log.info({ userId: request.userId, turnId: request.turnId, period: over.period }, 'turn refused: over budget');
    await tellOwner(request.userId, s).catch((err) =>
      log.warn({ err: toError(err) }, 'could not tell the owner about a budget'),
    );
    const t = usageTexts(request.locale ?? 'en');
    const text = t.blocked({ period: over.period, spent: formatUsd(over.spentUsd), limit: formatUsd(over.limitUsd) });
    return { status: 'done', text, usage: { ...ZERO } };
  }

  /** Adds the one 80 % warning of the period to a finished turn's answer. */
  async function withWarning(request: TurnRequest, outcome: TurnOutcome): Promise<TurnOutcome> {
    if (outcome.status !== 'done' && outcome.status !== 'limit') return outcome;
    const s = await budgets.check(request.userId);
    const warn = s.warn ?? s.over;
    if (!warn) return outcome;
    const column = warn.period === 'day' ? 'warned_day' : 'warned_month';
    const key = keyOf(s, warn.period, warn.limitUsd);
    if (!(await usage.mark(request.userId, column, key, deps.now()))) return outcome;
    const t = usageTexts(request.locale ?? 'en');
    const line = t.warning({
      period: warn.period,
      percent: percentOf(warn.spentUsd, warn.limitUsd),
      spent: formatUsd(warn.spentUsd),
      limit: formatUsd(warn.limitUsd),
    });
    return { ...outcome, text: outcome.text.trim() ? `${outcome.text}\n\n${line}` : line };
  }

  /** The budget status, or undefined when it can't be read (the turn then runs: a store hiccup is no reason to stop). */
  async function statusOf(userId: number): Promise<BudgetStatus | undefined> {
    try {
      return await budgets.check(userId);
    } catch (err) {
      log.warn({ err: toError(err), userId }, 'could not check the budget; the turn runs');
      return undefined;
    }
  }

  async function guarded(request: TurnRequest, go: () => Promise<TurnOutcome>): Promise<TurnOutcome> {
    const before = await statusOf(request.userId);
    if (before?.over) return blockedOutcome(request, before);
    let outcome: TurnOutcome;
    try {
      outcome = await go();
    } catch (err) {
      if (!isBudgetError(err)) throw err;
      outcome = { status: 'failed', text: '', usage: { ...ZERO }, error: err };
    }
    if (outcome.status === 'failed' && isBudgetError(outcome.error)) {
      const now = await statusOf(request.userId);
      if (now?.over) return blockedOutcome(request, now);
    }
    try {
      return await withWarning(request, outcome);
    } catch (err) {
      log.warn({ err: toError(err) }, 'budget warning failed');
      return outcome;
    }
  }

  return (inner: ResumableTurnRunner): ResumableTurnRunner => ({
    run: (request, onEvent) =>
      deps.scope.run({ userId: request.userId, purpose: purposeOf(request) }, () =>
        guarded(request, () => inner.run(request, onEvent)),
      ),
    resume: (request, suspension, resolutions, onEvent) =>
      deps.scope.run({ userId: request.userId, purpose: purposeOf(request) }, () =>
        guarded(request, () => inner.resume(request, suspension, resolutions, onEvent)),
      ),
  });
}
