/**
 * How many of the bot's global send tokens (Telegram: 30 messages in any second) one instance should hold, given
 * what every live instance asks for: max-min fair (water-filling). Instances asking for less than an equal share get
 * what they ask; the rest is split evenly among those that want more.
 */
export function fairShare(total: number, mine: number, others: readonly number[]): number {
  const want = Math.max(0, Math.floor(mine));
  const wants = [...others.map((w) => Math.max(0, Math.floor(w))), want].sort((a, b) => a - b);
  let left = Math.max(0, Math.floor(total));
  for (let i = 0; i < wants.length; i++) {
    const even = Math.floor(left / (wants.length - i));
    // Equal wants get equal shares: the first one equal to mine is mine.
    if (wants[i] === want) return Math.min(want, even);
    left -= Math.min(wants[i]!, even);
  }
  return 0;
}

/**
 * What an instance asks for: the sends it has in flight or within the last second plus those waiting, a little
 * headroom so a reply rarely waits for the next exchange, at least `floor`, at most the whole budget.
 */
export function shareWanted(o: { inUse: number; waiting: number; floor: number; headroom: number; total: number }) {
  return Math.min(o.total, Math.max(o.floor, o.inUse + o.waiting + o.headroom));
}
