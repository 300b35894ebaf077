/** The usual reciprocal rank fusion constant: dampens the advantage of the very first ranks. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: each list ranks ids best first; an id's score is the sum over lists of 1 / (k + rank),
 * rank starting at 1. Ties keep the order in which ids were first seen. Best first.
 */
export function reciprocalRankFusion(
  lists: readonly (readonly number[])[],
  k = RRF_K,
): { id: number; score: number }[] {
  const scores = new Map<number, number>();
  for (const list of lists) {
    list.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1));
    });
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
