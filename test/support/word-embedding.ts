/**
 * A deterministic stand-in for a semantic embedding model, for tests and the bench (no Gemini): a bag of words,
 * hashed into `dims` signed buckets (feature hashing), with
 * - small stemming (plural and -ing/-ed/-ly endings) and a synonym table that folds words of one meaning into one
 *   feature, so a paraphrase ("car repair cost" / "automobile fix price") lands near its passage;
 * - no features for words that contain a digit (the whole whitespace-delimited word): like real embedding models, which represent rare identifiers such as
 *   `INV-2024-0042` poorly, it cannot tell one invoice number from another. That is the worst case for the vector
 *   half, and the case the keyword half of hybrid search exists for.
 * It is NOT a language model: words outside the synonym table only match themselves.
 */
import { LlmError } from '../../src/core/errors.ts';
import type { EmbeddingTask, Llm } from '../../src/llm/types.ts';

/** Groups of words with one meaning; the first word names the feature. */
const SYNONYMS: string[][] = [
  ['car', 'automobile', 'vehicle', 'auto'],
  ['repair', 'fix', 'mend', 'service', 'maintenance'],
  ['cost', 'price', 'fee', 'charge', 'expense', 'amount'],
  ['pay', 'payment', 'settle', 'remit'],
  ['invoice', 'bill', 'receipt'],
  ['late', 'overdue', 'delayed', 'tardy'],
  ['penalty', 'fine', 'sanction', 'surcharge'],
  ['contract', 'agreement', 'deal'],
  ['end', 'terminate', 'termination', 'cancel', 'cancellation', 'finish', 'stop'],
  ['notice', 'warning', 'notification'],
  ['house', 'home', 'dwelling', 'residence'],
  ['rent', 'lease', 'tenancy'],
  ['doctor', 'physician', 'medic'],
  ['medicine', 'drug', 'medication', 'pill', 'tablet'],
  ['dose', 'dosage', 'amount'],
  ['child', 'kid', 'infant', 'toddler'],
  ['travel', 'trip', 'journey', 'voyage'],
  ['flight', 'plane', 'airplane', 'aircraft'],
  ['hotel', 'inn', 'lodging', 'accommodation'],
  ['garden', 'yard', 'backyard'],
  ['plant', 'sow', 'seed'],
  ['water', 'irrigate', 'irrigation'],
  ['tomato', 'tomatoes'],
  ['dog', 'puppy', 'hound'],
  ['cat', 'kitten', 'feline'],
  ['food', 'meal', 'diet', 'feed', 'feeding'],
  ['battery', 'accumulator', 'cell'],
  ['charge', 'recharge', 'charging'],
  ['warranty', 'guarantee'],
  ['return', 'refund', 'reimburse'],
  ['employee', 'worker', 'staff', 'personnel'],
  ['holiday', 'vacation', 'leave'],
  ['salary', 'wage', 'pay', 'compensation'],
  ['meeting', 'conference', 'gathering'],
  ['begin', 'start', 'commence'],
  ['big', 'large', 'huge'],
  ['small', 'little', 'tiny'],
  ['fast', 'quick', 'rapid'],
  ['buy', 'purchase', 'acquire'],
  ['sell', 'sale', 'vend'],
  ['river', 'stream', 'brook'],
  ['mountain', 'peak', 'summit'],
  ['bake', 'baking', 'oven'],
  ['bread', 'loaf'],
  ['flour', 'meal'],
  ['bridge', 'span', 'viaduct'],
  ['ship', 'vessel', 'boat'],
  ['storm', 'tempest', 'gale'],
  ['tax', 'levy', 'duty'],
  ['deadline', 'due', 'cutoff'],
];

const STOP = new Set(
  'a an and are as at be but by can do does for from has have how i in is it its me my not of on or our the their this to was we what when where which who why will with you your after before about than then there they into much many should'.split(
    ' ',
  ),
);

const CANON = new Map<string, string>();
for (const group of SYNONYMS) for (const w of group) if (!CANON.has(w)) CANON.set(w, group[0] as string);

function stem(word: string): string {
  if (CANON.has(word)) return word;
  for (const suffix of ['ing', 'ed', 'ly', 'es', 's']) {
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) {
      const base = word.slice(0, -suffix.length);
      if (CANON.has(base)) return base;
      if (suffix === 'es' || suffix === 's') return base;
    }
  }
  return word;
}

/** The features of a text: canonical stems of its words (words with digits and stop words give none). */
export function wordFeatures(text: string): string[] {
  const out: string[] = [];
  for (const word of text.toLowerCase().split(/\s+/)) {
    // A word with a digit anywhere (INV-2024-0042, A4, 3.5kg) is an identifier or a number: no feature at all.
    if (/\d/.test(word)) continue;
    for (const raw of word.split(/[^\p{L}]+/u)) {
      if (!raw || STOP.has(raw) || raw.length < 2) continue;
      const s = stem(raw);
      out.push(CANON.get(s) ?? s);
    }
  }
  return out;
}

function hash(s: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The stand-in embedding of `text` (unit length; zero for a text without features). */
export function wordEmbedding(text: string, dims = 768): Float32Array {
  const v = new Float32Array(dims);
  const tf = new Map<string, number>();
  for (const f of wordFeatures(text)) tf.set(f, (tf.get(f) ?? 0) + 1);
  for (const [f, n] of tf) {
    const w = 1 + Math.log(n);
    for (const seed of [1, 2]) {
      const h = hash(f, seed);
      v[h % dims] = (v[h % dims] as number) + (h & 0x80000000 ? -w : w);
    }
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm > 0) for (let i = 0; i < dims; i++) v[i] = (v[i] as number) / Math.sqrt(norm);
  return v;
}

/** An Llm whose only working call is `embed` (the stand-in above); generate and stream fail. */
export interface EmbeddingLlm extends Llm {
  /** Embedding requests so far: texts and task. */
  readonly calls: { texts: string[]; task: EmbeddingTask }[];
  /** Makes the next `n` embedding requests fail (as an outage would). */
  failNext(n: number): void;
}

export function createEmbeddingLlm(): EmbeddingLlm {
  const calls: { texts: string[]; task: EmbeddingTask }[] = [];
  let failures = 0;
  return {
    calls,
    failNext(n) {
      failures = n;
    },
    async generate() {
      throw new LlmError('llm_bad_request', 'this stand-in only embeds');
    },
    // biome-ignore lint/correctness/useYield: the stand-in has no generation; the generator only fails.
    async *stream() {
      throw new LlmError('llm_bad_request', 'this stand-in only embeds');
    },
    async embed(texts, options) {
      if (options.signal?.aborted) throw new LlmError('llm_aborted', 'aborted');
      calls.push({ texts: [...texts], task: options.task });
      if (failures > 0) {
        failures--;
        throw new LlmError('llm_unavailable', 'embedding service unavailable (stand-in outage)');
      }
      return texts.map((t) => wordEmbedding(t, options.dimensions ?? 768));
    },
  };
}
