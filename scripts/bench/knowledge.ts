/**
 * Knowledge base benchmark (src/knowledge through createKnowledgeBase, on a libSQL file):
 * - ingesting a 300-page text PDF end to end (read with pdf.js, chunked, stored, every passage embedded), with the
 *   embedding calls answered at once by a local stand-in;
 * - storage per passage, text included (database pages grown by that ingestion, after a WAL checkpoint);
 * - hybrid search latency in one library of 1k and of 100k passages (synthetic text and 768-dim vectors loaded with
 *   SQL; the query's embedding is a precomputed vector, so Gemini latency is excluded);
 * - retrieval quality on a labelled set written for this bench (_knowledge-corpus.ts): recall@5 of hybrid versus
 *   vector-only versus keyword-only, for exact identifiers and paraphrases. The vectors there come from the
 *   word-embedding stand-in (test/support/word-embedding.ts: hashed bag of words with a synonym table, blind to
 *   words containing digits), not from Gemini: the figures show what the fusion adds when either half misses, not
 *   Gemini's quality.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/core/clock.ts';
import { indexText } from '../../src/knowledge/fts-query.ts';
import { createKeywordMerge } from '../../src/knowledge/keyword-merge.ts';
import { createKnowledgeBase, type KnowledgeService } from '../../src/knowledge/knowledge.ts';
import { createKnowledgeStore } from '../../src/knowledge/knowledge-store.ts';
import type { Llm } from '../../src/llm/types.ts';
import { createStore, type Statement, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { encodeVector } from '../../src/vectors/vectors.ts';
import { keywordSegments } from '../../test/knowledge/fts-structure.ts';
import { writeTextPdf } from '../../test/support/pdf-writer.ts';
import { createEmbeddingLlm } from '../../test/support/word-embedding.ts';
import { fillerDocs, LABELLED_DOCS } from './_knowledge-corpus.ts';
import { type BenchRow, median } from './row.ts';

const AREA = 'knowledge';
const D = 768;
const log = pino({ level: 'silent' });

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function dbBytes(store: Store): Promise<number> {
  await store.checkpoint();
  const r = await store.get(
    'SELECT (page_count - freelist_count) * page_size AS n FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()',
  );
  return Number(r?.n ?? 0);
}

async function open(dir: string, name: string, llm: Llm): Promise<{ store: Store; kb: KnowledgeService }> {
  const store = await createStore({ url: `file:${join(dir, name)}`, migrations });
  const kb = createKnowledgeBase({ store, llm, clock: systemClock, log });
  await kb.start();
  return { store, kb };
}

/** A page of plausible prose: sentences made of a small vocabulary, with a reference number per page. */
function proseLine(page: number, line: number): string {
  const words = ['the', 'pump', 'valve', 'pressure', 'season', 'check', 'gasket', 'filter', 'water', 'service'];
  const w = (k: number) => words[(page * 7 + line * 3 + k) % words.length];
  return `Section ${page}.${line}: ${w(0)} ${w(1)} needs a ${w(2)} ${w(3)} before the ${w(4)}; see ref R-${page}-${line}.`;
}

async function ingestLargePdf(dir: string, rows: BenchRow[]): Promise<void> {
  const { store, kb } = await open(dir, 'ingest.db', createEmbeddingLlm());
  const bytes = writeTextPdf(300, proseLine, { linesPerPage: 45, title: 'Pump manual' });
  const before = await dbBytes(store);
  const t0 = performance.now();
  const out = await kb.ingest({ scope: 'u:1', addedBy: 1, fileName: 'manual.pdf', mimeType: 'application/pdf', bytes });
  const stored = performance.now() - t0;
  await kb.idle();
  const total = performance.now() - t0;
  if (out.status !== 'ready') throw new Error(`ingest: ${JSON.stringify(out)}`);
  const chunks = out.document.chunks;
  const grown = (await dbBytes(store)) - before;
  rows.push(
    {
      area: AREA,
      name: 'ingest a 300-page text PDF, end to end (read, chunk, store, embed)',
      value: total / 1000,
      unit: 's',
      target: '≤ 10 s',
      pass: total <= 10_000,
      note: `${(bytes.byteLength / 1024).toFixed(0)} KB PDF → ${chunks} passages; keyword-searchable after ${(stored / 1000).toFixed(2)} s; embeddings answered at once by a local stand-in`,
    },
    {
      area: AREA,
      name: 'storage per passage, text included',
      value: grown / chunks / 1024,
      unit: 'KB',
      target: '≤ 4 KB',
      pass: grown / chunks <= 4096,
      note: `database pages grown by that ingestion (document, passages, int8 vector, FTS5 index), after a checkpoint; ~${Math.round(
        (await store.get('SELECT AVG(LENGTH(text)) AS n FROM knowledge_chunks'))?.n as number,
      )} characters of text per passage`,
    },
  );
  await kb.close();
  await store.close();
}

/** A synthetic vocabulary drawn with Zipf's law (the r-th word with weight 1/r), as words of a language are. */
export function vocabulary(r: () => number, n: number): () => string {
  const syl = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vel', 'dor', 'pin', 'qua', 'ze', 'bri', 'mon', 'tal', 'gis', 'hu'];
  const words = new Set<string>();
  while (words.size < n) {
    const k = 2 + Math.floor(r() * 3);
    words.add(Array.from({ length: k }, () => syl[Math.floor(r() * syl.length)]).join(''));
  }
  const list = [...words];
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1);
  return () => {
    const x = r() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return list[lo] as string;
  };
}

/**
 * Loads `n` passages of ~150 words and a clustered 768-dim vector each into one library, with SQL (a document of 100
 * per transaction), then leaves the keyword index as ingestion leaves it: merged into one segment by the product's
 * background merge (keyword-merge.ts; ingestion runs it after each document, the end state is the same).
 */
export async function seedLibrary(store: Store, scope: string, n: number, r: () => number, word: () => string) {
  const centroids = Array.from({ length: 200 }, () => Float32Array.from({ length: D }, () => r() - 0.5));
  const now = Date.now();
  const samples: { words: string[]; vec: Float32Array }[] = [];
  const first = Number((await store.get('SELECT COALESCE(MAX(id), 0) + 1 AS n FROM knowledge_chunks'))?.n);
  for (let d = 0; d * 100 < n; d++) {
    const doc = await store.run(
      `INSERT INTO knowledge_documents (scope, added_by, title, mime, bytes, chunks, content_hash, status, created_at,
         updated_at) VALUES (?, 1, ?, 'text/plain', 100000, 100, ?, 'ready', ?, ?)`,
      [scope, `doc ${d}`, `${scope}-${d}`, now, now],
    );
    const statements: Statement[] = [];
    for (let s = 0; s < 100 && d * 100 + s < n; s++) {
      const words = Array.from({ length: 150 }, word);
      const c = centroids[Math.floor(r() * centroids.length)] as Float32Array;
      const vec = Float32Array.from(c, (x) => x + (r() - 0.5) * 0.3);
      const id = first + d * 100 + s;
      statements.push(
        {
          sql: 'INSERT INTO knowledge_chunks (id, document_id, scope, seq, page, text, vec) VALUES (?, ?, ?, ?, ?, ?, ?)',
          args: [id, Number(doc.lastInsertRowid), scope, s, s + 1, words.join(' '), encodeVector(vec)],
        },
        { sql: 'INSERT INTO knowledge_fts (rowid, text) VALUES (?, ?)', args: [id, indexText(scope, words.join(' '))] },
      );
      if (samples.length < 300 && r() < 0.05) samples.push({ words, vec });
    }
    await store.batch(statements);
  }
  const merge = createKeywordMerge({ store: createKnowledgeStore(store), clock: systemClock, log });
  merge.schedule();
  await merge.idle();
  return samples;
}

/** p50 and p95 of hybrid search over questions made from stored passages (four words and a vector near it). */
async function measureSearch(
  kb: KnowledgeService,
  scope: string,
  samples: { words: string[]; vec: Float32Array }[],
  queries: Map<string, Float32Array>,
  r: () => number,
): Promise<{ p50: number; p95: number; cpu50: number; n: number }> {
  const qs = samples.slice(0, 200).map((s, i) => {
    const pick = () => s.words[Math.floor(r() * s.words.length)];
    const text = `${pick()} ${pick()} ${pick()} ${pick()} q${scope}${i}`;
    queries.set(
      text,
      Float32Array.from(s.vec, (x) => x + (r() - 0.5) * 0.1),
    );
    return text;
  });
  await kb.search(scope, qs[0] as string); // loads the library's vectors into the cache
  const times: number[] = [];
  const cpu: number[] = [];
  for (const q of qs) {
    const c = process.cpuUsage();
    const s = performance.now();
    await kb.search(scope, q, { limit: 5 });
    times.push(performance.now() - s);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: median(times),
    p95: sorted[Math.floor(sorted.length * 0.95)] ?? Number.NaN,
    cpu50: median(cpu),
    n: times.length,
  };
}

async function searchLatency(dir: string, rows: BenchRow[]): Promise<void> {
  const queries = new Map<string, Float32Array>();
  const llm: Llm = {
    generate: () => Promise.reject(new Error('not used')),
    stream: () => {
      throw new Error('not used');
    },
    embed: async (texts) => texts.map((t) => queries.get(t) ?? new Float32Array(D).fill(0.01)),
  };
  const r = rng(7);
  const word = vocabulary(r, 20_000);
  const what =
    'queries of 4 words (Zipf vocabulary) + a 768-dim vector; FTS5 bm25 + int8 vectors (cached) + RRF + reading the hits';
  for (const [n, target] of [
    [1_000, 1],
    [100_000, 5],
  ] as const) {
    const { store, kb } = await open(dir, `search-${n}.db`, llm);
    const t0 = performance.now();
    const samples = await seedLibrary(store, 'u:1', n, r, word);
    const loadS = (performance.now() - t0) / 1000;
    const segments = await keywordSegments(store);
    const m = await measureSearch(kb, 'u:1', samples, queries, r);
    // The target is judged on CPU time: the bench machine is shared, and wall time there includes waiting for a core.
    rows.push({
      area: AREA,
      name: `hybrid search p50 (CPU time), ${n / 1000}k passages in one library`,
      value: m.cpu50,
      unit: 'ms',
      target: `≤ ${target} ms`,
      pass: m.cpu50 <= target,
      note: `${m.n} ${what}; wall time p50 ${m.p50.toFixed(2)} ms, p95 ${m.p95.toFixed(2)} ms (includes waiting for a loaded CPU); load average ${loadavg()[0]?.toFixed(1)}; passages of ~150 words loaded with SQL and the FTS5 index merged as ingestion leaves it (${segments} segment) in ${loadS.toFixed(0)} s`,
    });
    if (n === 100_000) {
      // A small library in a database that also holds a big one (one FTS5 index, library-prefixed terms).
      const small = await seedLibrary(store, 'u:2', 1_000, r, word);
      const s = await measureSearch(kb, 'u:2', small, queries, r);
      rows.push({
        area: AREA,
        name: 'hybrid search p50 (CPU time), 1k-passage library next to a 100k one in the same database',
        value: s.cpu50,
        unit: 'ms',
        note: `${s.n} ${what}; wall time p50 ${s.p50.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms; each library has its own FTS5 terms (library-prefixed tokens), so the big one costs the small one nothing`,
      });
    }
    await kb.close();
    await store.close();
  }
}

async function retrievalQuality(dir: string, rows: BenchRow[]): Promise<void> {
  const { store, kb } = await open(dir, 'quality.db', createEmbeddingLlm());
  const scope = 'u:7';
  const ids = new Map<string, string>();
  for (const doc of [...LABELLED_DOCS, ...fillerDocs(60, rng(11))]) {
    const out = await kb.ingest({
      scope,
      addedBy: 7,
      fileName: doc.name,
      mimeType: 'text/plain',
      bytes: new TextEncoder().encode(doc.text),
    });
    if (out.status !== 'ready') throw new Error(`${doc.name}: ${out.status}`);
    ids.set(doc.name, out.document.id);
  }
  await kb.idle();
  const recall = async (mode: 'hybrid' | 'vector' | 'keyword', kind: 'idQuery' | 'paraQuery') => {
    let found = 0;
    for (const doc of LABELLED_DOCS) {
      const hits = await kb.search(scope, doc[kind], { limit: 5, mode });
      if (hits.some((h) => h.documentId === ids.get(doc.name))) found++;
    }
    return found / LABELLED_DOCS.length;
  };
  const figures: Record<string, number[]> = {};
  for (const mode of ['hybrid', 'vector', 'keyword'] as const) {
    const id = await recall(mode, 'idQuery');
    const para = await recall(mode, 'paraQuery');
    figures[mode] = [(id + para) / 2, id, para];
  }
  const [hybrid, vector, keyword] = [figures.hybrid, figures.vector, figures.keyword] as number[][];
  const beats = (hybrid?.[0] ?? 0) > (vector?.[0] ?? 0) && (hybrid?.[0] ?? 0) > (keyword?.[0] ?? 0);
  const note = (f: number[] | undefined) =>
    `identifiers ${(f?.[1] ?? 0).toFixed(2)}, paraphrases ${(f?.[2] ?? 0).toFixed(2)}`;
  rows.push(
    {
      area: AREA,
      name: 'recall@5, hybrid (labelled set: 20 identifier + 20 paraphrase queries, 80 documents)',
      value: hybrid?.[0] ?? 0,
      unit: '',
      target: '> vector-only and > keyword-only',
      pass: beats,
      note: `${note(hybrid)}; corpus written for this bench; vectors from the word-embedding stand-in, not Gemini`,
    },
    { area: AREA, name: 'recall@5, vector only', value: vector?.[0] ?? 0, unit: '', note: note(vector) },
    { area: AREA, name: 'recall@5, keyword only', value: keyword?.[0] ?? 0, unit: '', note: note(keyword) },
  );
  await kb.close();
  await store.close();
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-knowledge-'));
  try {
    await ingestLargePdf(dir, rows);
    await retrievalQuality(dir, rows);
    await searchLatency(dir, rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
