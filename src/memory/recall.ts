import type { Fact } from './fact.ts';
import type { Facts } from './facts.ts';
import type { MessageStore } from './message-store.ts';
import type { RecalledMessage } from './memory-types.ts';
import type { VectorCache } from '../vectors/vector-index.ts';

/** Facts relevant to a turn, and past messages similar to it, within one scope. */
export function createRecall(deps: {
  facts: Facts;
  messages: MessageStore;
  cache: VectorCache;
  factLimit: number;
  factMinScore: number;
  factMinConfidence: number;
}) {
  const { facts, messages, cache } = deps;

  return {
    /** Facts ranked by the query vector; without one (outage, trivial message) the most confident few. */
    async relevantFacts(scope: string, vec: Float32Array | undefined): Promise<{ fact: Fact; score: number }[]> {
      if (!vec) {
        return (await facts.active(scope))
          .filter((f) => f.effectiveConfidence >= deps.factMinConfidence)
          .sort((a, b) => b.effectiveConfidence - a.effectiveConfidence)
          .slice(0, Math.min(5, deps.factLimit))
          .map((fact) => ({ fact, score: 0 }));
      }
      return facts.ranked(scope, vec, {
        limit: deps.factLimit,
        minScore: deps.factMinScore,
        minConfidence: deps.factMinConfidence,
      });
    },

    /** Past messages of the scope closest to `vec` (not in `exclude`), with the replies to them. */
    async messages(
      scope: string,
      vec: Float32Array,
      limit: number,
      exclude: Set<number>,
      minScore: number,
    ): Promise<RecalledMessage[]> {
      const set = await cache.get(scope);
      const hits = set.search(vec, limit, { exclude, minScore });
      if (hits.length === 0) return [];
      const byId = await messages.recallRows(hits.map((h) => h.id));
      const out: RecalledMessage[] = [];
      for (const h of hits) {
        const r = byId.get(h.id);
        if (!r || r.scope !== scope) continue; // deleted meanwhile, or (defence in depth) not this scope
        out.push({
          id: String(h.id),
          threadId: r.threadId,
          text: r.text,
          reply: r.reply,
          at: r.createdAt,
          score: h.score,
        });
      }
      return out;
    },
  };
}

export type Recall = ReturnType<typeof createRecall>;
