/**
 * The keyword half's planning numbers (passages in the library, and how many passages hold each query term, counted
 * up to a limit), cached per library. Counting a common term reads up to ~2,000 postings: the costliest part of
 * planning a 100k-passage search, and the same common terms come back query after query.
 *
 * Freshness does not depend on this process having seen the change: every search reads the library's stamp (count,
 * sum of passages and highest id of its ready documents; one indexed row per document), and any other value drops
 * the library's cached counts. So a document another instance added or deleted is planned for at once. Counts only
 * steer planning; the passages returned are always read back from the store with their scope and status checked.
 */

/** What identifies one state of a library's ready documents. */
export interface LibraryStamp {
  passages: number;
  key: string;
}

/** The read the cache needs (KnowledgeStore has it). */
export interface TermCountSource {
  countsUpTo(scope: string, exprs: readonly string[], limit: number): Promise<number[]>;
}

interface Entry {
  key: string;
  limit: number;
  counts: Map<string, number>;
}

/**
 * Creates the cache: at most `maxLibraries` libraries (least recently searched out) and `maxTerms` terms per library
 * (first counted out).
 */
export function createTermCounts(source: TermCountSource, options: { maxLibraries?: number; maxTerms?: number } = {}) {
  const maxLibraries = options.maxLibraries ?? 256;
  const maxTerms = options.maxTerms ?? 2048;
  const libraries = new Map<string, Entry>();

  return {
    /**
     * Each term's passage count up to `limit` in the library as of `stamp` (`libraryStamp`, read by the caller on
     * every search: it is what keeps the counts true); only terms not counted at that stamp are counted.
     */
    async counts(scope: string, stamp: LibraryStamp, terms: readonly string[], limit: number): Promise<number[]> {
      let entry = libraries.get(scope);
      if (!entry || entry.key !== stamp.key || entry.limit !== limit) {
        entry = { key: stamp.key, limit, counts: new Map() };
      }
      libraries.delete(scope);
      libraries.set(scope, entry);
      if (libraries.size > maxLibraries) libraries.delete(libraries.keys().next().value as string);
      const counts = entry.counts;
      const missing = [...new Set(terms.filter((t) => !counts.has(t)))];
      if (missing.length > 0) {
        const found = await source.countsUpTo(scope, missing, limit);
        for (const [i, t] of missing.entries()) counts.set(t, found[i] ?? 0);
        for (const t of counts.keys()) {
          if (counts.size <= maxTerms) break;
          counts.delete(t);
        }
      }
      return terms.map((t) => counts.get(t) ?? 0);
    },
  };
}

/** The cache's type. */
export type TermCounts = ReturnType<typeof createTermCounts>;
