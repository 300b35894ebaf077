import type { StreamFilter } from '../agents/processors.ts';

/** A filter that shows everything as it comes. */
const OPEN: StreamFilter = { push: (delta) => delta, end: () => '' };

/**
 * Shows streamed text redacted, holding back its last `holdBack` characters: a secret (at most that long) that is
 * only half streamed sits in that tail, so nothing shown is ever part of a secret. What was shown stays a prefix of
 * the redacted whole, because a match that could still grow lies in the held-back tail.
 */
export function createStreamFilter(redact: (text: string) => string, holdBack: number): StreamFilter {
  if (holdBack <= 0) return OPEN;
  let raw = '';
  let shown = 0;
  return {
    push(delta) {
      raw += delta;
      const clean = redact(raw);
      const safe = clean.length - holdBack;
      if (safe <= shown) return '';
      const out = clean.slice(shown, safe);
      shown = safe;
      return out;
    },
    end() {
      const clean = redact(raw);
      const out = clean.slice(shown);
      shown = clean.length;
      return out;
    },
  };
}
