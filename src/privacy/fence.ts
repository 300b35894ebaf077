import type { ConversationMemory } from '../core/memory.ts';
import type { TurnRequest } from '../core/turn.ts';

/**
 * Keeps a turn that was already running when its user sent /wipe from writing the conversation back afterwards.
 * Every turn notes the user's wipe count when memory is prepared; its commit is dropped if a wipe happened since.
 * In-process: a turn running in another instance on the same database is not fenced (see docs/operations.md).
 */
export interface WipeFence {
  /** The memory the turn runner uses, fenced. */
  wrap(memory: ConversationMemory): ConversationMemory;
  /** Starts a wipe of `userId`: turns prepared before now no longer commit. Resolves once commits in progress ended. */
  begin(userId: number): Promise<void>;
  /** True when the turn started before its user wiped their data (it must not be paused for a decision either). */
  stale(request: Pick<TurnRequest, 'turnId' | 'userId'>): boolean;
}

/** Turns remembered at once; the oldest are forgotten first (a turn that never commits leaves its entry behind). */
const MAX_TRACKED = 2000;

export function createWipeFence(): WipeFence {
  const wipes = new Map<number, number>();
  const preparedAt = new Map<string, { userId: number; wipes: number }>();
  const committing = new Map<number, Set<Promise<unknown>>>();

  const wipesOf = (userId: number): number => wipes.get(userId) ?? 0;

  return {
    wrap(memory) {
      return {
        async prepare(request) {
          const seen = wipesOf(request.userId);
          const context = await memory.prepare(request);
          preparedAt.delete(request.turnId);
          preparedAt.set(request.turnId, { userId: request.userId, wipes: seen });
          if (preparedAt.size > MAX_TRACKED) preparedAt.delete(preparedAt.keys().next().value as string);
          return context;
        },
        async commit(request, context, outcome) {
          const mark = preparedAt.get(request.turnId);
          preparedAt.delete(request.turnId);
          if (mark && mark.wipes !== wipesOf(request.userId)) return; // the user wiped their data during this turn
          const pending = memory.commit(request, context, outcome);
          const set = committing.get(request.userId) ?? new Set<Promise<unknown>>();
          committing.set(request.userId, set);
          set.add(pending);
          try {
            await pending;
          } finally {
            set.delete(pending);
            if (set.size === 0) committing.delete(request.userId);
          }
        },
        newThread: (chat) => memory.newThread(chat),
      };
    },
    stale(request) {
      const mark = preparedAt.get(request.turnId);
      return mark !== undefined && mark.wipes !== wipesOf(request.userId);
    },
    async begin(userId) {
      wipes.set(userId, wipesOf(userId) + 1);
      const set = committing.get(userId);
      if (set) await Promise.allSettled([...set]);
    },
  };
}
