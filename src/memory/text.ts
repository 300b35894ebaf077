/** Text helpers shared by memory: token estimates, trivial-message detection, safe quoting. */

/** Rough token estimate: characters / 4 plus a small per-message overhead. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

const TRIVIAL = new Set([
  'ok',
  'okay',
  'k',
  'kk',
  'thanks',
  'thank you',
  'thx',
  'ty',
  'yes',
  'no',
  'yep',
  'nope',
  'yeah',
  'nah',
  'sure',
  'nice',
  'cool',
  'great',
  'lol',
  'haha',
  'hmm',
  'hm',
  'hi',
  'hello',
  'hey',
  'bye',
  'good',
  'fine',
  'done',
  'got it',
  'ok thanks',
  'thanks!',
  'perfect',
  'awesome',
  'alright',
  'np',
  'no problem',
  'good night',
  'good morning',
]);

/** Short acknowledgements and greetings: not worth embedding or extracting facts from. */
export function isTrivial(text: string): boolean {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[\s!.?,…👍🙏😊🙂]+$/u, '')
    .replace(/\s+/g, ' ');
  if (t.length < 10) return true;
  return TRIVIAL.has(t);
}

/** Collapses whitespace and caps length (with an ellipsis). */
export function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** Lower-cased, punctuation-free form used for exact duplicate and tombstone checks. */
export function normalizeForMatch(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Neutralises role markers and heading syntax in recalled text so it cannot pose as prompt structure. */
export function defang(text: string): string {
  return text
    .replace(/<\|[^|>]*\|>/g, '')
    .replace(/\[(system|assistant|user|model|developer)\b/gi, '($1')
    .replace(/^#+\s*/gm, '')
    .replace(/```/g, "'''");
}

/** ISO date (YYYY-MM-DD) of an epoch-ms timestamp in UTC. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
