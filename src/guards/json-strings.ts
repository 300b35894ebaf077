/**
 * Every string inside a JSON-like value (tool arguments and results), mapped by `fn`. Returns the same reference when
 * nothing changed, so callers can tell a rewrite from a pass without comparing.
 */
export function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const m = mapStrings(v, fn);
      if (m !== v) changed = true;
      return m;
    });
    return changed ? out : value;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const m = mapStrings(v, fn);
      if (m !== v) changed = true;
      out[k] = m;
    }
    return changed ? out : value;
  }
  return value;
}

/** Whether some string inside `value` satisfies `test`. */
export function someString(value: unknown, test: (text: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (Array.isArray(value)) return value.some((v) => someString(v, test));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => someString(v, test));
  return false;
}

/** Like {@link mapStrings} for an object: the same object when nothing changed. */
export function mapRecordStrings(
  record: Record<string, unknown>,
  fn: (text: string) => string,
): Record<string, unknown> {
  return mapStrings(record, fn) as Record<string, unknown>;
}
