import { backoffDelay } from '../core/backoff.ts';
import { type Cancel, type Clock, later } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { createTaskSet } from '../core/task-set.ts';
import type { Llm } from '../llm/types.ts';
import type { VectorCache } from '../vectors/vector-index.ts';
import { encodeVector, normalize } from '../vectors/vectors.ts';
import type { KnowledgeStore } from './knowledge-store.ts';

/** After a failure the backlog is retried 30 s later, then less often (up to every 10 minutes), as memory does. */
const RETRY = { baseMs: 30_000, maxMs: 10 * 60_000 };
/** A chunk that failed this often (e.g. the model refuses its text) is left without a vector: keyword search only. */
const MAX_ATTEMPTS = 8;
/** Characters of a passage sent for embedding (passages are ~1200; headings add a little). */
const MAX_CHARS = 4000;

/**
 * Embeds stored passages in the background (RETRIEVAL_DOCUMENT, in batches), oldest first; after a failure the
 * whole backlog is retried with backoff. The backlog is the set of chunks without a vector, so it survives a
 * restart: `schedule()` at start-up resumes it.
 */
export function createEmbeddingQueue(deps: {
  store: KnowledgeStore;
  llm: Llm;
  clock: Clock;
  log: Logger;
  cache: VectorCache;
  dims: number;
  batch: number;
}) {
  const { store, llm, cache, log } = deps;
  const tasks = createTaskSet({ clock: deps.clock, log });
  let queued = false;
  let running: Promise<void> = Promise.resolve();
  let cancelRetry: Cancel | undefined;
  let failures = 0;

  /** Embeds one batch; false when there was nothing to do or the embedding failed. */
  async function embedBatch(): Promise<boolean> {
    const rows = await store.unembedded(deps.batch, MAX_ATTEMPTS);
    if (rows.length === 0) return false;
    let vecs: Float32Array[];
    try {
      vecs = await llm.embed(
        rows.map((r) => r.text.slice(0, MAX_CHARS)),
        { task: 'RETRIEVAL_DOCUMENT', dimensions: deps.dims },
      );
      if (vecs.length !== rows.length) throw new Error(`embedding returned ${vecs.length} vectors for ${rows.length}`);
      if (vecs.some((v) => v.length !== deps.dims)) throw new Error(`embedding is not ${deps.dims}-dimensional`);
    } catch (err) {
      await store.countEmbedFailure(rows.map((r) => r.id));
      log.warn({ err: toError(err), count: rows.length }, 'document embedding failed; will retry');
      retryLater();
      return false;
    }
    failures = 0;
    const blobs = vecs.map((v) => encodeVector(normalize(v)));
    await store.saveVectors(rows.map((r, i) => ({ id: r.id, blob: blobs[i] as Uint8Array })));
    rows.forEach((r, i) => {
      cache.add(r.scope, r.id, blobs[i]);
    });
    return true;
  }

  async function drain(): Promise<void> {
    while (await embedBatch()) {
      // next batch
    }
  }

  function schedule(): void {
    if (queued) return;
    queued = true;
    tasks.run('knowledge-embed', async () => {
      // One drain at a time: a drain started while another runs waits for it, then sees what is left.
      const previous = running;
      let done!: () => void;
      running = new Promise<void>((resolve) => {
        done = resolve;
      });
      try {
        await previous;
        queued = false;
        await drain();
      } finally {
        done();
      }
    });
  }

  function retryLater(): void {
    failures++;
    if (cancelRetry) return;
    cancelRetry = later(
      deps.clock,
      backoffDelay(failures, RETRY),
      () => {
        cancelRetry = undefined;
        schedule();
      },
      { unref: true },
    );
  }

  return {
    /** Queues a drain of the backlog (at most one queued at a time). */
    schedule,
    /** Resolves when no drain is running or queued (a pending retry is not waited for). */
    idle: () => tasks.idle(),
    /** Cancels a pending retry and waits up to `timeoutMs` for a running batch. */
    async close(timeoutMs: number): Promise<void> {
      cancelRetry?.();
      cancelRetry = undefined;
      await tasks.drain(timeoutMs);
    },
  };
}

export type EmbeddingQueue = ReturnType<typeof createEmbeddingQueue>;
