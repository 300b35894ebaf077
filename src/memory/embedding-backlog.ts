import { backoffDelay } from '../core/backoff.ts';
import { type Cancel, type Clock, later } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { BackgroundQueue } from './background-queue.ts';
import type { Embedder } from './embedder.ts';
import type { MessageStore } from './message-store.ts';
import { clip } from './text.ts';
import type { VectorCache } from '../vectors/vector-index.ts';
import { encodeVector } from '../vectors/vectors.ts';

/** After an embedding failure the backlog is retried 30 s later, then less often (up to every 10 minutes). */
const RETRY = { baseMs: 30_000, maxMs: 10 * 60_000 };

/** Messages stored without a vector (embedding outage, or no query vector) are embedded later, in batches. */
export function createEmbeddingBacklog(deps: {
  messages: MessageStore;
  clock: Clock;
  embedder: Embedder;
  cache: VectorCache;
  background: BackgroundQueue;
  log: Logger;
  batch: number;
}) {
  const { messages, embedder, cache, background, log } = deps;
  let queued = false;
  let cancelRetry: Cancel | undefined;
  /** Failed attempts in a row (reset by a successful batch). */
  let failures = 0;

  function schedule(): void {
    if (queued) return;
    queued = true;
    background.run('embed', async () => {
      queued = false;
      await drain();
    });
  }

  function retryLater(): void {
    failures++;
    if (background.closed || cancelRetry) return;
    const delay = backoffDelay(failures, RETRY);
    cancelRetry = later(
      deps.clock,
      delay,
      () => {
        cancelRetry = undefined;
        schedule();
      },
      { unref: true },
    );
  }

  /** Embeds one batch; false when there was nothing to do or the embedding failed. */
  async function embedBatch(): Promise<boolean> {
    const rows = await messages.unembedded(deps.batch);
    if (rows.length === 0) return false;
    let vecs: Float32Array[];
    try {
      vecs = await embedder.embed(
        rows.map((r) => clip(r.text, 2000)),
        'RETRIEVAL_QUERY',
      );
    } catch (err) {
      await messages.countEmbedFailure(rows.map((r) => r.id));
      log.warn({ err: toError(err), count: rows.length }, 'message embedding failed; will retry');
      retryLater();
      return false;
    }
    failures = 0;
    const blobs = vecs.map((v) => encodeVector(v));
    await messages.saveVectors(rows.map((r, i) => ({ id: r.id, blob: blobs[i] as Uint8Array })));
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

  return {
    /** Queues a drain of the backlog (at most one queued at a time). */
    schedule,
    /** Embeds the backlog now, batch after batch, until it is empty or the service fails. */
    drain,
    /** Cancels a pending retry. */
    close(): void {
      cancelRetry?.();
      cancelRetry = undefined;
    },
  };
}
