/** A budget: at most `limit` uses in any `window` ms. */
export interface Rule {
  limit: number;
  window: number;
}

/** One use of a budget. `done` is unset while the request is in flight. */
export interface Use {
  grantedAt: number;
  done: number | undefined;
}

/** `count` per `per` ms as a rule; fractional rates (e.g. 0.5/s) become 1 per 2 s. `margin` is added to the window. */
export function ruleOf(count: number, per: number, margin: number): Rule {
  if (count >= 1) return { limit: Math.floor(count), window: per + margin };
  return { limit: 1, window: per / count + margin };
}

/** `burst` sends back to back, averaging `perSec` over the burst. */
export function burstRule(perSec: number, burst: number, margin: number): Rule {
  if (burst <= 1) return ruleOf(perSec, 1000, margin);
  return { limit: burst, window: (burst / perSec) * 1000 + margin };
}

/** When a use stops counting: `window` after completion (an unreleased use counts as done `maxInFlight` after its grant). */
export function expiry(u: Use, rule: Rule, maxInFlight: number): number {
  const done = u.done ?? u.grantedAt + maxInFlight;
  return done + rule.window;
}

/**
 * Earliest time one more use fits under `rule` (drops expired uses from `uses`). While the blocking use is still in
 * flight, the time a leaked grant would expire.
 */
export function freeAt(uses: Use[], rule: Rule, now: number, maxInFlight: number): number {
  for (let i = uses.length - 1; i >= 0; i--) if (expiry(uses[i]!, rule, maxInFlight) <= now) uses.splice(i, 1);
  if (uses.length < rule.limit) return now;
  const ends = uses
    .map((u) => (u.done === undefined ? Number.POSITIVE_INFINITY : u.done + rule.window))
    .sort((a, b) => a - b);
  const at = ends[uses.length - rule.limit]!;
  // A leaked grant eventually expires.
  return Number.isFinite(at) ? at : Math.min(...uses.map((u) => expiry(u, rule, maxInFlight)));
}
