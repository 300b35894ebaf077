/** Counters of one statement cache. */
export interface StatementCacheStats {
  /** Statements held now. */
  size: number;
  /** Most statements held at once. */
  limit: number;
  /** Statements prepared so far (a miss). */
  prepared: number;
  /** Executions that reused a held statement. */
  reused: number;
  /** Statements dropped to stay under the limit. Non-zero means SQL texts vary more than expected. */
  evicted: number;
}

/**
 * Prepared statements by SQL text, least recently used first out. The libSQL engine frees a statement's native
 * memory only after V8 collects its wrapper, which it may not do for a long time (libsql-js#153), so preparing each
 * execution anew grows the process; reusing one statement per SQL text keeps it flat. The bound holds the working
 * set of a program whose SQL texts are constants (values always bound as parameters); evictions mean they are not.
 */
export class StatementCache<S> {
  private readonly entries = new Map<string, S>();
  private prepared = 0;
  private reused = 0;
  private evicted = 0;

  constructor(
    readonly limit: number,
    private readonly onEvict?: (sql: string, evicted: number) => void,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`statement cache limit must be a positive integer, got ${limit}`);
  }

  /** The statement for `sql`, prepared with `prepare` on a miss. */
  get(sql: string, prepare: (sql: string) => S): S {
    const hit = this.entries.get(sql);
    if (hit !== undefined) {
      this.reused++;
      // Move to the most recently used end (Map keeps insertion order).
      this.entries.delete(sql);
      this.entries.set(sql, hit);
      return hit;
    }
    const made = prepare(sql);
    this.prepared++;
    this.entries.set(sql, made);
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evicted++;
      this.onEvict?.(oldest, this.evicted);
    }
    return made;
  }

  /** Forgets one statement (after it failed, so a statement in an unknown state is never reused). */
  delete(sql: string): void {
    this.entries.delete(sql);
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): StatementCacheStats {
    return {
      size: this.entries.size,
      limit: this.limit,
      prepared: this.prepared,
      reused: this.reused,
      evicted: this.evicted,
    };
  }
}
