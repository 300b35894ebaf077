import type { KnowledgeHit } from './types.ts';

/** Turns remembered at once; the oldest are dropped first (a turn that never finishes leaves its entry behind). */
const MAX_TURNS = 500;

/**
 * The library passages each running turn read (through `knowledge_search` or injected context), so its answer can
 * carry citation buttons. In-process and bounded.
 */
export interface TurnHits {
  add(turnId: string, hits: KnowledgeHit[]): void;
  /** The turn's passages, best first and each once; forgets them. */
  take(turnId: string): KnowledgeHit[];
}

export function createTurnHits(): TurnHits {
  const turns = new Map<string, Map<string, KnowledgeHit>>();
  return {
    add(turnId, hits) {
      if (hits.length === 0) return;
      let seen = turns.get(turnId);
      if (!seen) {
        seen = new Map();
        turns.set(turnId, seen);
        if (turns.size > MAX_TURNS) turns.delete(turns.keys().next().value as string);
      }
      for (const h of hits) if (!seen.has(h.citationId)) seen.set(h.citationId, h);
    },
    take(turnId) {
      const seen = turns.get(turnId);
      turns.delete(turnId);
      return seen ? [...seen.values()] : [];
    },
  };
}
