/**
 * Dev aid (not a bench module): which messages does recall help? Builds one scope the way the e2e bench does (topic
 * messages) plus the acknowledgements real chats are full of, embeds everything with the fakes' bag-of-words
 * embedding, and for each probe message counts what recall (top 10, cosine ≥ recallMinScore) returns, and how much
 * of it names a topic. Run: node --import tsx scripts/bench/_recall-rule-probe.ts
 */
import { fakeEmbedding } from '../../test/support/fake-gemini.ts';
import { defaultMemoryOptions } from '../../src/memory/memory-types.ts';
import { recallCanHelp } from '../../src/memory/recall-rule.ts';
import { isTrivial } from '../../src/memory/text.ts';

const TOPICS = ['dentist', 'groceries', 'flight', 'birthday', 'invoice', 'gym', 'recipe', 'meeting', 'garden', 'car'];
const ACTIONS = ['remind me about', 'what did we decide on', 'I need to sort out', 'help me plan', 'I booked'];
const WHEN = ['monday', 'friday', 'the weekend', 'next week', 'tomorrow', 'tonight'];
const ACKS = [
  'thanks!',
  'thank you',
  'thank you so much!',
  'ok',
  'ok great',
  'great, thanks',
  'спасибо',
  'спасибо большое',
  'ок, понял',
  '👍',
  'good morning',
  'привет',
  'got it, thanks',
  'yes please',
  'no thanks',
];
const PROBES = [
  ...ACKS,
  'thank you very much!!',
  'okay sounds good',
  'хорошо, договорились',
  '🙏🙏🙏🙏🙏',
  '?!',
  'haha nice one',
  'dentist?',
  'my flight',
  'what about the gym',
  'and the invoice?',
  'thanks, and the recipe?',
];

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const corpus: { text: string; vec: number[]; topic: boolean }[] = [];
let seed = 1;
function pick<T>(l: T[]): T {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return l[seed % l.length] as T;
}
for (let i = 0; i < 2000; i++) {
  const text = i % 5 === 4 ? pick(ACKS) : `${pick(ACTIONS)} the ${pick(TOPICS)} ${pick(WHEN)}, note ${i}`;
  corpus.push({ text, vec: fakeEmbedding(text), topic: !ACKS.includes(text) });
}
const min = defaultMemoryOptions.recallMinScore;
console.log(`scope: ${corpus.length} messages (20 % acknowledgements); recall = top 10 with cosine >= ${min}`);
console.log('probe | recalled | of which name a topic | isTrivial (old rule) | recallCanHelp (new rule)');
for (const p of PROBES) {
  const v = fakeEmbedding(p);
  const hits = corpus
    .map((c) => ({ c, s: dot(v, c.vec) }))
    .filter((h) => h.s >= min)
    .sort((a, b) => b.s - a.s)
    .slice(0, 10);
  const topical = hits.filter((h) => h.c.topic).length;
  console.log(
    `${JSON.stringify(p)} | ${hits.length} | ${topical} | ${isTrivial(p) ? 'skip' : 'embed'} | ${recallCanHelp(p) ? 'embed' : 'skip'}`,
  );
}
