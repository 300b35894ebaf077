import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { BackgroundQueue } from './background-queue.ts';
import type { Embedder } from './embedder.ts';
import type { MessageStore } from './message-store.ts';
import { clip } from './text.ts';
import type { VectorCache } from './vector-index.ts';
import { encodeVector } from './vectors.ts';

/** After an embedding failure the backlog is retried this much later. */
const RETRY_MS = 30_000;

/** Messages stored without a vector (embedding outage, or no query vector) are embedded later, in batches. */
export function createEmbeddingBacklog(deps: {
  messages: MessageStore;
  embedder: Embedder;
  cache: VectorCache;
  background: BackgroundQueue;
  log: Logger;
  batch: number;
}) {
  const { messages, embedder, cache, background, log } = deps;
  let queued = false;
  let retryTimer: NodeJS.Timeout | undefined;

  function schedule(): void {
    if (queued) return;
    queued = true;
    background.run('embed', async () => {
      queued = false;
      await drain();
    });
  }

  function retryLater(): void {
    if (background.closed || retryTimer) return;
    // A real timer: a retry of a failed service call, not a due time (the kernel's backoff replaces it).
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      schedule();
    }, RETRY_MS);
    retryTimer.unref();
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
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}
