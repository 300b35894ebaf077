import type { FactRecord } from './fact.ts';
import { type FactIndex, buildFactIndex } from './fact-index.ts';
import { recordBytes, withUpsert } from './fact-rules.ts';

/** A scope's active facts in (created_at, id) order, labelled with the `memory_fact_versions` value they reflect. */
interface ScopeEntry {
  version: number;
  list: FactRecord[];
  bytes: number;
  /** The list's packed embeddings, built on the first ranking (null: nothing to pack). */
  index?: FactIndex | null;
}

function entryOf(version: number, list: FactRecord[]): ScopeEntry {
  let bytes = 0;
  for (const f of list) bytes += recordBytes(f);
  return { version, list, bytes };
}

/** In-process LRU of scopes' active fact records, bounded by `maxBytes` (the scope just stored always stays). */
export function createFactCache(maxBytes: number) {
  const cache = new Map<string, ScopeEntry>();

  function put(scope: string, entry: ScopeEntry): void {
    cache.delete(scope);
    cache.set(scope, entry);
    let total = 0;
    for (const e of cache.values()) total += e.bytes;
    for (const [key, e] of cache) {
      if (total <= maxBytes) break;
      if (key === scope) continue;
      cache.delete(key);
      total -= e.bytes;
    }
  }

  return {
    /** The cached list when it reflects `version` (and marks it recently used). */
    get(scope: string, version: number): FactRecord[] | undefined {
      const hit = cache.get(scope);
      if (!hit || hit.version !== version) return undefined;
      cache.delete(scope);
      cache.set(scope, hit);
      return hit.list;
    },

    /**
     * The packed embeddings of `list` when it is the scope's cached list: built on first use and counted in the byte
     * budget. Undefined for any other list (replaced meanwhile): that one is ranked by the plain loop, not packed
     * into a buffer that would be thrown away.
     */
    indexOf(scope: string, list: FactRecord[]): FactIndex | undefined {
      const entry = cache.get(scope);
      if (!entry || entry.list !== list) return undefined;
      if (entry.index === undefined) {
        entry.index = buildFactIndex(list) ?? null;
        entry.bytes += entry.index?.bytes ?? 0;
      }
      return entry.index ?? undefined;
    },

    set(scope: string, version: number, list: FactRecord[]): void {
      put(scope, entryOf(version, list));
    },

    /**
     * Applies this process's own write to the cached scope if the cache reflected exactly the state before it
     * (`before`); otherwise drops the scope so the next read reloads. Idempotent, so a concurrent reload that
     * already saw the write is harmless.
     */
    applyOwnWrite(scope: string, before: number, after: number, removedIds: string[], upsert: FactRecord): void {
      const entry = cache.get(scope);
      if (!entry) return;
      if (entry.version !== before) {
        cache.delete(scope);
        return;
      }
      put(scope, entryOf(after, withUpsert(entry.list, removedIds, upsert)));
    },

    clear(): void {
      cache.clear();
    },

    bytes(): number {
      let total = 0;
      for (const e of cache.values()) total += e.bytes;
      return total;
    },
  };
}
