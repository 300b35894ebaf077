/**
 * Dev aid (not a bench module): where hybrid knowledge search spends its time. Seeds (once, kept in $KB_PROF_DIR,
 * default /tmp/kbspeed-prof) libraries of 1k and 100k passages as the knowledge bench does, then times every part of a
 * search separately (CPU time, median over the queries): the keyword half's statements, the query's terms, the
 * vector scan, the fusion, reading the hits, and the whole search.
 * Run: node --import tsx scripts/bench/_prof-knowledge.ts [1000|100000] (add --cpu-prof for a profile)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/core/clock.ts';
import { commonLimit, ftsTerms, planMatch } from '../../src/knowledge/fts-query.ts';
import { reciprocalRankFusion } from '../../src/knowledge/fusion.ts';
import { createKnowledgeBase } from '../../src/knowledge/knowledge.ts';
import { createKnowledgeStore } from '../../src/knowledge/knowledge-store.ts';
import type { Llm } from '../../src/llm/types.ts';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { VectorCache } from '../../src/vectors/vector-index.ts';
import { normalize } from '../../src/vectors/vectors.ts';
import { rng, seedLibrary, vocabulary } from './knowledge.ts';
import { median } from './row.ts';

const D = 768;
const n = Number(process.argv[2] ?? 1000);
const dir = process.env.KB_PROF_DIR ?? '/tmp/kbspeed-prof';
mkdirSync(dir, { recursive: true });
const dbFile = join(dir, `lib-${n}.db`);
const sampleFile = join(dir, `lib-${n}.json`);
const store = await createStore({ url: `file:${dbFile}`, migrations });
if (!existsSync(sampleFile)) {
  const r = rng(7);
  const samples = await seedLibrary(store, 'u:1', n, r, vocabulary(r, 20_000));
  writeFileSync(sampleFile, JSON.stringify(samples.map((s) => ({ words: s.words, vec: [...s.vec] }))));
}
const samples = (JSON.parse(readFileSync(sampleFile, 'utf8')) as { words: string[]; vec: number[] }[]).map((s) => ({
  words: s.words,
  vec: Float32Array.from(s.vec),
}));
const r = rng(99);
const queries = new Map<string, Float32Array>();
const qs = samples.slice(0, 200).map((s, i) => {
  const pick = () => s.words[Math.floor(r() * s.words.length)];
  const text = `${pick()} ${pick()} ${pick()} ${pick()} q${i}`;
  queries.set(
    text,
    Float32Array.from(s.vec, (x) => x + (r() - 0.5) * 0.1),
  );
  return text;
});
const llm: Llm = {
  generate: () => Promise.reject(new Error('not used')),
  stream: () => {
    throw new Error('not used');
  },
  embed: async (texts) => texts.map((t) => queries.get(t) ?? new Float32Array(D).fill(0.01)),
};
const scope = 'u:1';
const ks = createKnowledgeStore(store);
const cache = new VectorCache({ dims: D, maxBytes: 1e9, loader: (s) => ks.vectors(s) });
const set = await cache.get(scope);
const kb = createKnowledgeBase({ store, llm, clock: systemClock, log: pino({ level: 'silent' }) });
await kb.search(scope, qs[0] as string);

async function time(name: string, fn: (q: string) => Promise<unknown> | unknown, rounds = 3): Promise<void> {
  const cpu: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const q of qs) {
      const c = process.cpuUsage();
      await fn(q);
      const u = process.cpuUsage(c);
      cpu.push((u.user + u.system) / 1000);
    }
  }
  console.log(`${name.padEnd(34)} p50 CPU ${median(cpu).toFixed(3)} ms`);
}

const common = commonLimit(n, 2000);
console.log(`${n} passages; ${set.size} vectors cached`);
await time('whole search (hybrid)', (q) => kb.search(scope, q, { limit: 5 }));
await time('whole search (keyword only)', (q) => kb.search(scope, q, { limit: 5, mode: 'keyword' }));
await time('whole search (vector only)', (q) => kb.search(scope, q, { limit: 5, mode: 'vector' }));
await time('ftsTerms', (q) => ftsTerms(q));
await time('libraryStamp', () => ks.libraryStamp(scope));
await time('countsUpTo (all terms)', (q) => ks.countsUpTo(scope, ftsTerms(q), common + 1));
const plans = new Map<string, string | undefined>();
for (const q of qs) {
  const terms = ftsTerms(q);
  const counts = await ks.countsUpTo(scope, terms, common + 1);
  plans.set(q, planMatch(terms, counts, common));
}
await time('keyword (planned expr)', (q) => {
  const m = plans.get(q);
  return m ? ks.keyword(scope, m, 40) : [];
});
await time('keyword (all terms OR)', (q) => ks.keyword(scope, ftsTerms(q).join(' OR '), 40));
await time('embed + normalize', async (q) =>
  normalize((await llm.embed([q], { task: 'RETRIEVAL_QUERY' }))[0] as Float32Array),
);
await time('vector scan', (q) => set.search(normalize(queries.get(q) as Float32Array), 40, { minScore: 0.3 }));
const kwIds = new Map<string, number[]>();
const vecIds = new Map<string, number[]>();
for (const q of qs) {
  const m = plans.get(q);
  kwIds.set(q, m ? await ks.keyword(scope, m, 40) : []);
  vecIds.set(
    q,
    set.search(normalize(queries.get(q) as Float32Array), 40, { minScore: 0.3 }).map((h) => h.id),
  );
}
await time('rrf', (q) => reciprocalRankFusion([kwIds.get(q) ?? [], vecIds.get(q) ?? []]));
await time('chunks (10 rows)', (q) =>
  ks.chunks(
    scope,
    reciprocalRankFusion([kwIds.get(q) ?? [], vecIds.get(q) ?? []])
      .slice(0, 10)
      .map((f) => f.id),
  ),
);
await time('await noop', async () => undefined);
await kb.close();
await store.close();
