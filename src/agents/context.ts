import { type Clock, type IdGen, createIdGen } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { TurnEvent, TurnRequest } from '../core/turn.ts';
import type { Usage } from '../llm/types.ts';
import { describeNow } from '../core/zoned-time.ts';
import type { RunContext, TurnTaint } from './types.ts';

export interface TurnLimits {
  maxSteps: number;
  maxToolCallsPerStep?: number;
  turnTokenBudget: number;
  toolTimeoutMs: number;
  llmTimeoutMs: number;
}

const neverAborted = new AbortController().signal;
const defaultIds = createIdGen(10);

/** Builds the context of one turn: the shared budget, the time line (read once from the clock), a safe event sink. */
export function createRunContext(deps: {
  request: Pick<TurnRequest, 'turnId' | 'userId' | 'chat' | 'timezone' | 'userName' | 'signal' | 'locale'>;
  clock: Clock;
  log: Logger;
  limits: TurnLimits;
  /** Tokens this turn already spent (a resumed turn continues its budget). */
  budgetUsed?: Usage;
  onEvent?: (event: TurnEvent) => void;
  newId?: IdGen;
  /** The turn already read untrusted content (forwarded/quoted input, or a resumed run that had). */
  turnReadUntrusted?: boolean;
  /** The taint the turn starts with (its sources and the hosts the user named); wins over `turnReadUntrusted`. */
  taint?: TurnTaint;
}): RunContext {
  const { request, log, onEvent, limits } = deps;
  const used = deps.budgetUsed ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  return {
    request,
    clock: deps.clock,
    log,
    signal: request.signal ?? neverAborted,
    budget: { limitTokens: limits.turnTokenBudget, used: { ...used } },
    limits: {
      maxSteps: limits.maxSteps,
      ...(limits.maxToolCallsPerStep !== undefined ? { maxToolCallsPerStep: limits.maxToolCallsPerStep } : {}),
      toolTimeoutMs: limits.toolTimeoutMs,
      llmTimeoutMs: limits.llmTimeoutMs,
    },
    nowText: describeNow(deps.clock.now(), request.timezone),
    newId: deps.newId ?? defaultIds,
    taint: deps.taint
      ? { ...deps.taint, sources: [...deps.taint.sources], userHosts: [...deps.taint.userHosts] }
      : { turnReadUntrusted: deps.turnReadUntrusted === true, sources: [], userHosts: [] },
    emit(event) {
      if (!onEvent) return;
      try {
        onEvent(event);
      } catch (err) {
        log.warn({ err: toError(err), event: event.type }, 'turn event listener failed');
      }
    },
  };
}
