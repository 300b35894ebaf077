import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { chunkBlocks } from './chunker.ts';
import type { ExtractedDocument } from './extracted.ts';
import { extractDocument } from './extract.ts';
import { type DocumentFormat, detectFormat } from './formats.ts';
import type { KnowledgeStore } from './knowledge-store.ts';
import type { ChunkingOptions, KnowledgeLimits } from './limits.ts';
import type { DocumentInfo, IngestOutcome, IngestProgress, IngestSource } from './types.ts';

/** What an ingestion needs. */
export interface IngestDeps {
  store: KnowledgeStore;
  clock: Clock;
  limits: KnowledgeLimits;
  chunking: ChunkingOptions;
  /** This process's ingestion id (see the start-up sweep). */
  owner: string;
  onReadError?: (err: unknown) => void;
}

/** A document's title: its own (metadata, first heading), else the file name or link. */
function titleOf(doc: ExtractedDocument, source: IngestSource): string {
  const own = doc.title ?? doc.blocks.find((b) => b.heading !== undefined)?.text;
  const title = (own ?? source.fileName ?? source.url ?? 'Untitled').replace(/\s+/g, ' ').trim();
  return title.length > 200 ? `${title.slice(0, 199)}…` : title || 'Untitled';
}

/** The checks before reading (size, format, same content, document count) and the `ingesting` row. */
async function begin(
  deps: IngestDeps,
  source: IngestSource,
): Promise<{ id: number; format: DocumentFormat } | IngestOutcome> {
  const { store, limits, owner } = deps;
  if (source.bytes.byteLength > limits.maxFileBytes)
    return { status: 'rejected', reason: 'too_large', limit: limits.maxFileBytes };
  const format = detectFormat(source.mimeType, source.fileName);
  if (!format) return { status: 'rejected', reason: 'unsupported' };
  const contentHash = createHash('sha256').update(source.bytes).digest('hex');
  const existing = await store.byHash(source.scope, contentHash);
  if (existing && existing.status !== 'failed') return { status: 'duplicate', document: existing };
  const begun = await store.begin(
    {
      scope: source.scope,
      addedBy: source.addedBy,
      title: (source.fileName ?? source.url ?? 'Untitled').slice(0, 200),
      ...(source.fileName !== undefined ? { fileName: source.fileName } : {}),
      ...(source.url !== undefined ? { url: source.url } : {}),
      mimeType: source.mimeType,
      bytes: source.bytes.byteLength,
      contentHash,
      owner,
      now: deps.clock.now(),
    },
    limits.maxDocumentsPerUser,
  );
  if ('duplicate' in begun) return { status: 'duplicate', document: begun.duplicate };
  if ('tooMany' in begun)
    return { status: 'rejected', reason: 'too_many_documents', limit: limits.maxDocumentsPerUser };
  return { id: begun.id, format };
}

/**
 * One ingestion: checks, an `ingesting` row, reading and chunking in memory, then every passage and keyword row
 * written with the `ready` flip in one transaction. Any refusal (a limit, no text) or error removes the row again, so
 * nothing of a refused document stays; a crash leaves only the `ingesting` row, which the start-up sweep marks failed.
 */
export async function ingestDocument(
  deps: IngestDeps,
  source: IngestSource,
  onProgress?: IngestProgress,
  signal?: AbortSignal,
): Promise<IngestOutcome> {
  const begun = await begin(deps, source);
  if (!('id' in begun)) return begun;
  const { store, limits, owner } = deps;

  let stored = false;
  try {
    onProgress?.({ fraction: 0, stage: 'reading' });
    let read: Awaited<ReturnType<typeof extractDocument>>;
    try {
      read = await extractDocument(begun.format, source.bytes, {
        maxPages: limits.maxPages,
        onProgress: (fraction) => onProgress?.({ fraction, stage: 'reading' }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      // A reader library failing on a malformed file is bad input, not a bug of ours: the user hears "unreadable".
      signal?.throwIfAborted();
      deps.onReadError?.(err);
      read = { ok: false, reason: 'unreadable' };
    }
    if (!read.ok) return { status: 'rejected', reason: read.reason, ...(read.limit ? { limit: read.limit } : {}) };
    const chunks = chunkBlocks(read.document.blocks, deps.chunking);
    if (chunks.length === 0) return { status: 'rejected', reason: 'no_text' };
    if (chunks.length > limits.maxChunksPerDocument)
      return { status: 'rejected', reason: 'too_many_chunks', limit: limits.maxChunksPerDocument };
    signal?.throwIfAborted();
    onProgress?.({ fraction: 1, stage: 'indexing' });
    const title = titleOf(read.document, source);
    const now = deps.clock.now();
    const pages = read.document.pages;
    stored = await store.finish(
      begun.id,
      owner,
      source.scope,
      { title, ...(pages !== undefined ? { pages } : {}), now },
      chunks,
    );
    // Deleted while it was being read: the user no longer wants it.
    if (!stored) return { status: 'rejected', reason: 'unreadable' };
    const document: DocumentInfo | undefined = await store.get(source.scope, String(begun.id));
    if (!document) return { status: 'rejected', reason: 'unreadable' };
    return { status: 'ready', document };
  } finally {
    if (!stored) await store.drop(begun.id, owner);
  }
}
