/** One error code with how often it was seen and when last. */
export interface ErrorCount {
  code: string;
  count: number;
  lastAt: number;
}

/** The last `size` distinct error codes with their counts (for /status); the oldest code is dropped first. */
export function createErrorRing(size = 10) {
  const byCode = new Map<string, ErrorCount>();
  return {
    add(code: string, at: number): void {
      const entry = byCode.get(code);
      byCode.delete(code);
      byCode.set(code, { code, count: (entry?.count ?? 0) + 1, lastAt: at });
      if (byCode.size > size) byCode.delete(byCode.keys().next().value as string);
    },
    /** Most recent first. */
    list: (): ErrorCount[] => [...byCode.values()].reverse(),
  };
}

/** The error ring of one app. */
export type ErrorRing = ReturnType<typeof createErrorRing>;
