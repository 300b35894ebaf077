/**
 * Scale benchmark: one database of 10,000 users and about 1,000,000 messages (int8 vectors). Recall latency for an
 * active user (1,000 messages) against the same user alone in a small database, and the process RSS after recall
 * has touched 2,000 users (the vector cache stays within VECTOR_CACHE_MB's default, 64 MB). The big database is
 * generated once through the store (batched multi-row inserts) and kept in the OS temp dir between runs.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdGen, systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Llm } from '../../src/llm/types.ts';
import { createMemory } from '../../src/memory/memory.ts';
import { createStore, type Statement, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { encodeVector } from '../../src/vectors/vectors.ts';
import { type BenchRow, percentile } from './row.ts';

const D = 768;
const AREA = 'scale';
const USERS = 10_000;
const PER_USER = 100;
const ACTIVE_USER = 1;
const ACTIVE_MESSAGES = 1_000;
const CACHE_MB = 64;
const CACHE_FILE = join(tmpdir(), 'assistant-bench-cache', `scale-${USERS}x${PER_USER}-v1.db`);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const r = rng(7);
const randomVec = (): Float32Array => Float32Array.from({ length: D }, () => r() - 0.5);
/** A pool of encoded vectors reused across rows: latency doesn't depend on the values, generation stays fast. */
const POOL = Array.from({ length: 4096 }, () => encodeVector(randomVec()));

/** Stand-in for the embedding model: a random query vector (figures exclude Gemini latency). */
const llm: Llm = {
  async generate() {
    throw new Error('not used by the scale bench');
  },
  stream() {
    throw new Error('not used by the scale bench');
  },
  async embed(texts) {
    return texts.map(() => randomVec());
  },
};

/** Inserts `n` messages (and vectors) for one user: one thread, multi-row inserts of 500. */
function userStatements(userId: number, n: number, nextId: { v: number }, now: number): Statement[] {
  const threadId = `scale-${userId}`;
  const out: Statement[] = [
    {
      sql: 'INSERT INTO memory_threads (id, chat_id, topic_id, created_at, updated_at) VALUES (?, ?, 0, ?, ?)',
      args: [threadId, userId, now, now],
    },
  ];
  for (let start = 0; start < n; start += 500) {
    const rows = Math.min(500, n - start);
    const msg: (string | number)[] = [];
    const vec: (string | number | Uint8Array)[] = [];
    for (let i = 0; i < rows; i++) {
      const id = nextId.v++;
      const text = `Message ${start + i} from user ${userId}: plans, errands and ideas number ${id}.`;
      msg.push(id, threadId, userId, userId, `u:${userId}`, text, 20, `scale:${id}`, now);
      vec.push(`u:${userId}`, id, POOL[id % POOL.length] as Uint8Array);
    }
    out.push({
      sql: `INSERT INTO memory_messages (id, thread_id, chat_id, user_id, scope, role, text, tokens, turn_id, embed_state, created_at) VALUES ${Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, 'user', ?, ?, ?, 1, ?)").join(',')}`,
      args: msg,
    });
    out.push({
      sql: `INSERT INTO memory_vectors (scope, message_id, vec) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?)').join(',')}`,
      args: vec,
    });
  }
  return out;
}

/** Fills a database: the active user's messages spread among `users` users of `perUser` messages each. */
async function fill(store: Store, users: number, perUser: number): Promise<number> {
  const nextId = { v: 1 };
  const now = Date.now();
  let pending: Statement[] = [];
  for (let u = 1; u <= users; u++) {
    const n = u === ACTIVE_USER ? ACTIVE_MESSAGES : perUser;
    pending.push(...userStatements(u, n, nextId, now));
    if (pending.length >= 200 || u === users) {
      await store.batch(pending);
      pending = [];
    }
  }
  return nextId.v - 1;
}

async function openMemory(url: string) {
  const store = await createStore({ url, migrations });
  const memory = createMemory({
    store,
    llm,
    clock: systemClock,
    ids: createIdGen(12),
    log: createLogger({ level: 'silent' }),
    models: { chat: 'bench' },
    options: {
      recallMinScore: -1,
      extractEvery: 1_000_000,
      extractIdleMs: 1e12,
      cacheMaxBytes: CACHE_MB * 1024 * 1024,
    },
  });
  return { store, memory };
}

type Opened = Awaited<ReturnType<typeof openMemory>>;

async function recallTimes(m: Opened, userId: number, queries: number): Promise<number[]> {
  const chat = { chatId: userId, type: 'private' as const };
  await m.memory.searchMessages(userId, chat, 'warm-up', 10);
  const times: number[] = [];
  for (let q = 0; q < queries; q++) {
    const t0 = performance.now();
    await m.memory.searchMessages(userId, chat, `query ${q}`, 10);
    times.push(performance.now() - t0);
  }
  return times;
}

async function close(m: Opened): Promise<void> {
  await m.memory.close();
  await m.store.close();
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // The small database: the active user alone.
  const smallDir = join(tmpdir(), `assistant-bench-scale-small-${process.pid}`);
  mkdirSync(smallDir, { recursive: true });
  const small = await openMemory(`file:${join(smallDir, 'small.db')}`);
  await fill(small.store, 1, 0);
  const smallTimes = await recallTimes(small, ACTIVE_USER, 300);
  await close(small);
  rmSync(smallDir, { recursive: true, force: true });

  let generatedMs: number | undefined;
  if (!existsSync(CACHE_FILE)) {
    mkdirSync(join(CACHE_FILE, '..'), { recursive: true });
    const partial = `${CACHE_FILE}.partial`;
    rmSync(partial, { force: true });
    const t0 = performance.now();
    const gen = await openMemory(`file:${partial}`);
    await fill(gen.store, USERS, PER_USER);
    await gen.store.checkpoint();
    await close(gen);
    for (const ext of ['-wal', '-shm']) rmSync(`${partial}${ext}`, { force: true });
    renameSync(partial, CACHE_FILE);
    generatedMs = performance.now() - t0;
  }
  // Generation leaves a large garbage heap behind; collect it so it doesn't pause the measured recalls.
  global.gc?.();
  const big = await openMemory(`file:${CACHE_FILE}`);
  const count = Number((await big.store.get('SELECT COUNT(*) AS n FROM memory_messages'))?.n);
  const bigTimes = await recallTimes(big, ACTIVE_USER, 300);
  // Recall touches 2,000 other users (about 180 MB of vectors uncapped), then the active user again.
  const t1 = performance.now();
  for (let u = 2; u <= 2001; u++) await big.memory.searchMessages(u, { chatId: u, type: 'private' }, 'touch', 10);
  const touchMs = performance.now() - t1;
  const afterTimes = await recallTimes(big, ACTIVE_USER, 300);
  global.gc?.();
  const rss = process.memoryUsage().rss / 1024 / 1024;
  const cacheMb = big.memory.cacheBytes() / 1024 / 1024;
  await close(big);

  const smallP50 = percentile(smallTimes, 50);
  const bigP50 = percentile(bigTimes, 50);
  const afterP50 = percentile(afterTimes, 50);
  const label = `${(count / 1e6).toFixed(2)}M messages / ${USERS / 1000}k users`;
  const dbMb = statSync(CACHE_FILE).size / 1024 / 1024;
  rows.push(
    {
      area: AREA,
      name: `recall p50, active user (1k messages), ${label}`,
      value: Number(bigP50.toFixed(2)),
      unit: 'ms',
      target: '≤ 2 ms',
      pass: bigP50 <= 2,
      note: `same user alone in a small database: ${smallP50.toFixed(2)} ms; after recall touched 2,000 other users: ${afterP50.toFixed(2)} ms (p95 ${percentile(afterTimes, 95).toFixed(2)} ms); database ${dbMb.toFixed(0)} MB${generatedMs === undefined ? ' (cached)' : `, generated in ${(generatedMs / 1000).toFixed(0)} s`}`,
    },
    {
      area: AREA,
      name: `process RSS, ${label}, after recall for 2,001 users`,
      value: Number(rss.toFixed(0)),
      unit: 'MB',
      target: '≤ 512 MB',
      pass: rss <= 512,
      note: `vector cache ${cacheMb.toFixed(1)} MB (budget ${CACHE_MB} MB); 2,000 cold recalls took ${(touchMs / 1000).toFixed(1)} s`,
    },
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run())
    console.log(`${row.name}: ${row.value} ${row.unit} ${row.pass ? 'PASS' : 'FAIL'} ${row.note ?? ''}`);
}
