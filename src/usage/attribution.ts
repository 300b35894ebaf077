import { AsyncLocalStorage } from 'node:async_hooks';
import type { Llm } from '../llm/types.ts';

/** What a model call was for: a user's chat turn, a scheduled run, memory work (recall, facts, summaries), other. */
export type UsagePurpose = 'chat' | 'scheduled' | 'memory' | 'other';

export const USAGE_PURPOSES: readonly UsagePurpose[] = ['chat', 'scheduled', 'memory', 'other'];

/** Whom the model calls made in the current async flow are for. */
export interface Attribution {
  userId?: number;
  purpose: UsagePurpose;
}

/**
 * The ambient attribution of model calls. The turn wrapper sets it around every turn (chat, resume, scheduled run);
 * work started inside a turn (memory's background queue, timers) inherits it, because AsyncLocalStorage follows
 * promises and timers. The usage recorder reads it when a call finishes, so no layer in between passes a user id.
 */
export interface AttributionScope {
  run<T>(attribution: Attribution, fn: () => T): T;
  current(): Attribution | undefined;
}

/** Creates the scope (one per app, made in the composition root). */
export function createAttributionScope(): AttributionScope {
  const als = new AsyncLocalStorage<Attribution>();
  return {
    run: (attribution, fn) => als.run(attribution, fn),
    current: () => als.getStore(),
  };
}

/**
 * An Llm whose `generate` and `embed` calls count as `purpose` for the ambient user (memory's calls: they may run
 * after the turn, in the background, but are still that user's). `stream` is passed through as it is.
 */
export function llmForPurpose(llm: Llm, scope: AttributionScope, purpose: UsagePurpose): Llm {
  const within = (): Attribution => {
    const userId = scope.current()?.userId;
    return userId === undefined ? { purpose } : { userId, purpose };
  };
  return {
    generate: (request) => scope.run(within(), () => llm.generate(request)),
    stream: (request) => llm.stream(request),
    embed: (texts, options) => scope.run(within(), () => llm.embed(texts, options)),
  };
}
