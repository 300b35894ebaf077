import type { Row, Store, WriteTx } from '../store/db.ts';
import type { Chunk } from './chunker.ts';
import { indexText, inLibrary } from './fts-query.ts';
import type { LibraryStamp } from './term-counts.ts';
import type { DocumentInfo, LibraryScope } from './types.ts';

/**
 * The SQL of the knowledge base (tables of migration 022). Chunk ids are the FTS5 rowids and the vector ids.
 * Values are always bound; lists go in as one JSON parameter, so every SQL text is constant.
 */

const IN_JSON = '(SELECT value FROM json_each(?))';

export const DOC_COLUMNS =
  'id, scope, added_by, title, file_name, url, mime, bytes, pages, chunks, status, error, created_at';

/** A document row as typed values. */
export type DocRow = DocumentInfo;

function str(v: unknown): string | undefined {
  return v == null ? undefined : String(v);
}

/** A document row from SQL. */
export function toDoc(r: Row): DocRow {
  const status = String(r.status);
  return {
    id: String(r.id),
    scope: String(r.scope),
    addedBy: Number(r.added_by),
    title: String(r.title),
    ...(r.file_name != null ? { fileName: String(r.file_name) } : {}),
    ...(r.url != null ? { url: String(r.url) } : {}),
    mimeType: String(r.mime),
    bytes: Number(r.bytes),
    ...(r.pages != null ? { pages: Number(r.pages) } : {}),
    chunks: Number(r.chunks),
    status: status === 'ready' || status === 'failed' ? status : 'ingesting',
    ...(r.error != null ? { error: String(r.error) } : {}),
    createdAt: Number(r.created_at),
  };
}

/** A stored passage with its document's title, as search and citations read it. */
export interface ChunkRow {
  id: number;
  documentId: string;
  seq: number;
  page?: number;
  heading?: string;
  text: string;
  title: string;
}

/** A passage row (with its document's title) from SQL. */
export function toChunk(r: Row): ChunkRow {
  return {
    id: Number(r.id),
    documentId: String(r.document_id),
    seq: Number(r.seq),
    ...(r.page != null ? { page: Number(r.page) } : {}),
    ...(str(r.heading) !== undefined ? { heading: String(r.heading) } : {}),
    text: String(r.text),
    title: String(r.title),
  };
}

/** What a new document row starts with (before its file is read). */
export interface NewDocument {
  scope: LibraryScope;
  addedBy: number;
  title: string;
  fileName?: string;
  url?: string;
  mimeType: string;
  bytes: number;
  contentHash: string;
  owner: string;
  now: number;
}

/** Removes documents with their chunks and keyword rows (in the caller's transaction). Returns documents removed. */
export async function deleteDocs(tx: WriteTx, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const list = JSON.stringify(ids);
  await tx.run(
    `DELETE FROM knowledge_fts WHERE rowid IN (SELECT id FROM knowledge_chunks WHERE document_id IN ${IN_JSON})`,
    [list],
  );
  await tx.run(`DELETE FROM knowledge_chunks WHERE document_id IN ${IN_JSON}`, [list]);
  return (await tx.run(`DELETE FROM knowledge_documents WHERE id IN ${IN_JSON}`, [list])).changes;
}

/**
 * One bounded step of merging the keyword index's segments into one: FTS5's 'merge' with a negative page count writes
 * about `pages` leaf pages (any two segments may merge, whatever their level), in its own short transaction. True
 * when the step did work (FTS5's documented test: two or more rows changed), so another step may be due.
 */
async function mergeKeywordStep(store: Store, pages: number): Promise<boolean> {
  return store.write(async (tx) => {
    const before = Number((await tx.query('SELECT total_changes() AS n'))[0]?.n);
    await tx.run("INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('merge', ?)", [
      -Math.max(1, Math.floor(pages)),
    ]);
    return Number((await tx.query('SELECT total_changes() AS n'))[0]?.n) - before >= 2;
  });
}

/** The knowledge base's queries over one store. */
export function createKnowledgeStore(store: Store) {
  return {
    async byHash(scope: LibraryScope, hash: string): Promise<DocRow | undefined> {
      const r = await store.get(`SELECT ${DOC_COLUMNS} FROM knowledge_documents WHERE scope = ? AND content_hash = ?`, [
        scope,
        hash,
      ]);
      return r ? toDoc(r) : undefined;
    },

    /**
     * Writes the `ingesting` row of a new document, in one transaction with its checks: the same content already
     * in the library (a failed copy is replaced), and the user's document count.
     */
    async begin(
      doc: NewDocument,
      maxDocuments: number,
    ): Promise<{ id: number } | { duplicate: DocRow } | { tooMany: true }> {
      return store.write(async (tx) => {
        const same = (
          await tx.query(`SELECT ${DOC_COLUMNS} FROM knowledge_documents WHERE scope = ? AND content_hash = ?`, [
            doc.scope,
            doc.contentHash,
          ])
        )[0];
        if (same && same.status !== 'failed') return { duplicate: toDoc(same) };
        if (same) await deleteDocs(tx, [Number(same.id)]);
        const count = (
          await tx.query("SELECT COUNT(*) AS n FROM knowledge_documents WHERE added_by = ? AND status <> 'failed'", [
            doc.addedBy,
          ])
        )[0];
        if (Number(count?.n ?? 0) >= maxDocuments) return { tooMany: true as const };
        const res = await tx.run(
          `INSERT INTO knowledge_documents (scope, added_by, title, file_name, url, mime, bytes, content_hash, status,
             ingest_owner, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ingesting', ?, ?, ?)`,
          [
            doc.scope,
            doc.addedBy,
            doc.title,
            doc.fileName ?? null,
            doc.url ?? null,
            doc.mimeType,
            doc.bytes,
            doc.contentHash,
            doc.owner,
            doc.now,
            doc.now,
          ],
        );
        return { id: Number(res.lastInsertRowid) };
      });
    },

    /**
     * Stores every passage of a document and its keyword rows and marks it `ready`, all in one transaction. False
     * (nothing written) when the row is gone (deleted while it was being read) or belongs to another ingestion.
     */
    async finish(
      id: number,
      owner: string,
      scope: LibraryScope,
      meta: { title: string; pages?: number; now: number },
      chunks: readonly Chunk[],
    ): Promise<boolean> {
      return store.write(async (tx) => {
        const res = await tx.run(
          `UPDATE knowledge_documents SET status = 'ready', error = NULL, title = ?, pages = ?, chunks = ?,
             ingest_owner = NULL, updated_at = ?
           WHERE id = ? AND ingest_owner = ?`,
          [meta.title, meta.pages ?? null, chunks.length, meta.now, id, owner],
        );
        if (res.changes === 0) return false;
        for (const c of chunks) {
          const row = await tx.run(
            'INSERT INTO knowledge_chunks (document_id, scope, seq, page, heading, text) VALUES (?, ?, ?, ?, ?, ?)',
            [id, scope, c.seq, c.page ?? null, c.heading ?? null, c.text],
          );
          await tx.run('INSERT INTO knowledge_fts (rowid, text) VALUES (?, ?)', [
            row.lastInsertRowid ?? null,
            indexText(scope, c.heading ? `${c.heading}\n${c.text}` : c.text),
          ]);
        }
        return true;
      });
    },

    /** One bounded step of merging the keyword index into one segment; true while there is more to merge. */
    mergeKeywordIndex: (pages: number) => mergeKeywordStep(store, pages),

    /** Removes a document still `ingesting` (refused, aborted or failed while reading): nothing of it stays. */
    async drop(id: number, owner: string): Promise<void> {
      await store.write(async (tx) => {
        const row = (
          await tx.query('SELECT id FROM knowledge_documents WHERE id = ? AND ingest_owner = ?', [id, owner])
        )[0];
        if (row) await deleteDocs(tx, [id]);
      });
    },

    /** Marks documents left `ingesting` by another process (a crash) as failed; returns how many. */
    async sweepInterrupted(owner: string, now: number): Promise<number> {
      const res = await store.run(
        `UPDATE knowledge_documents SET status = 'failed', error = 'interrupted', updated_at = ?
         WHERE status = 'ingesting' AND (ingest_owner IS NULL OR ingest_owner <> ?)`,
        [now, owner],
      );
      return res.changes;
    },

    async get(scope: LibraryScope, id: string): Promise<DocRow | undefined> {
      if (!/^\d{1,15}$/.test(id)) return undefined;
      const r = await store.get(`SELECT ${DOC_COLUMNS} FROM knowledge_documents WHERE scope = ? AND id = ?`, [
        scope,
        Number(id),
      ]);
      return r ? toDoc(r) : undefined;
    },

    async list(scope: LibraryScope, offset: number, limit: number): Promise<{ documents: DocRow[]; total: number }> {
      const rows = await store.query(
        `SELECT ${DOC_COLUMNS} FROM knowledge_documents WHERE scope = ? ORDER BY created_at DESC, id DESC
         LIMIT ? OFFSET ?`,
        [scope, limit, offset],
      );
      const total = await store.get('SELECT COUNT(*) AS n FROM knowledge_documents WHERE scope = ?', [scope]);
      return { documents: rows.map(toDoc), total: Number(total?.n ?? 0) };
    },

    /** Deletes one document of the library with its chunks and keyword rows, in one transaction. */
    async delete(scope: LibraryScope, id: string): Promise<boolean> {
      if (!/^\d{1,15}$/.test(id)) return false;
      return store.write(async (tx) => {
        const row = (
          await tx.query('SELECT id FROM knowledge_documents WHERE scope = ? AND id = ?', [scope, Number(id)])
        )[0];
        if (!row) return false;
        return (await deleteDocs(tx, [Number(id)])) > 0;
      });
    },

    /**
     * The library's ready documents summed up: their passages, and a key (count, passages, highest id) that changes
     * whenever one is added, finishes reading or is deleted. One indexed row per document, not per passage.
     */
    async libraryStamp(scope: LibraryScope): Promise<LibraryStamp> {
      const r = await store.get(
        `SELECT COUNT(*) AS d, COALESCE(SUM(chunks), 0) AS n, COALESCE(MAX(id), 0) AS m FROM knowledge_documents
         WHERE scope = ? AND status = 'ready'`,
        [scope],
      );
      const passages = Number(r?.n ?? 0);
      return { passages, key: `${Number(r?.d ?? 0)}:${passages}:${Number(r?.m ?? 0)}` };
    },

    /** For each FTS5 expression, the library's passages matching it counted up to `limit`: one statement for all. */
    async countsUpTo(scope: LibraryScope, exprs: readonly string[], limit: number): Promise<number[]> {
      if (exprs.length === 0) return [];
      const rows = await store.query(
        `SELECT CAST(j.key AS INTEGER) AS i, (SELECT COUNT(*) FROM (SELECT rowid FROM knowledge_fts
           WHERE knowledge_fts MATCH j.value LIMIT ?)) AS n FROM json_each(?) j`,
        [limit, JSON.stringify(exprs.map((e) => inLibrary(scope, e)))],
      );
      const counts = exprs.map(() => 0);
      for (const r of rows) counts[Number(r.i)] = Number(r.n);
      return counts;
    },

    /**
     * Chunk ids of the library matching an FTS5 expression over the text, best bm25 first. The index reads only the
     * library's postings: every term carries the library's prefix (fts-query.ts). An index row exists only for a
     * passage of a ready document (written with it, deleted with it, in one transaction), and the hits are read
     * back through `chunks`, which checks scope and status on the rows; so no join here (at 100k passages its row
     * lookups cost more than the index query).
     */
    async keyword(scope: LibraryScope, expr: string, limit: number): Promise<number[]> {
      const rows = await store.query(
        `SELECT rowid AS id FROM knowledge_fts WHERE knowledge_fts MATCH ? ORDER BY bm25(knowledge_fts), rowid
         LIMIT ?`,
        [inLibrary(scope, expr), limit],
      );
      return rows.map((r) => Number(r.id));
    },

    /** The passages behind chunk ids, within the library and of ready documents only. */
    async chunks(scope: LibraryScope, ids: readonly number[]): Promise<Map<number, ChunkRow>> {
      if (ids.length === 0) return new Map();
      const rows = await store.query(
        `SELECT c.id, c.document_id, c.seq, c.page, c.heading, c.text, d.title FROM knowledge_chunks c
           JOIN knowledge_documents d ON d.id = c.document_id
         WHERE c.id IN ${IN_JSON} AND c.scope = ? AND d.status = 'ready'`,
        [JSON.stringify(ids), scope],
      );
      return new Map(rows.map((r) => [Number(r.id), toChunk(r)]));
    },

    /** One passage by document and position. */
    async chunkAt(scope: LibraryScope, documentId: number, seq: number): Promise<ChunkRow | undefined> {
      const r = await store.get(
        `SELECT c.id, c.document_id, c.seq, c.page, c.heading, c.text, d.title FROM knowledge_chunks c
           JOIN knowledge_documents d ON d.id = c.document_id
         WHERE c.document_id = ? AND c.seq = ? AND c.scope = ? AND d.status = 'ready'`,
        [documentId, seq, scope],
      );
      return r ? toChunk(r) : undefined;
    },

    /** Every embedded chunk of a library in id order (the vector cache's loader). */
    async vectors(scope: LibraryScope): Promise<{ id: number; vec: unknown }[]> {
      const rows = await store.query(
        'SELECT id, vec FROM knowledge_chunks WHERE scope = ? AND vec IS NOT NULL ORDER BY id',
        [scope],
      );
      return rows.map((r) => ({ id: Number(r.id), vec: r.vec }));
    },

    /** Chunks of ready documents still without a vector, oldest first, skipping ones that failed too often. */
    async unembedded(limit: number, maxAttempts: number): Promise<{ id: number; scope: string; text: string }[]> {
      const rows = await store.query(
        `SELECT c.id, c.scope, c.heading, c.text FROM knowledge_chunks c
           JOIN knowledge_documents d ON d.id = c.document_id
         WHERE c.vec IS NULL AND c.embed_attempts < ? AND d.status = 'ready' ORDER BY c.id LIMIT ?`,
        [maxAttempts, limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        scope: String(r.scope),
        text: r.heading != null ? `${String(r.heading)}\n${String(r.text)}` : String(r.text),
      }));
    },

    async saveVectors(rows: readonly { id: number; blob: Uint8Array }[]): Promise<void> {
      await store.batch(
        rows.map((r) => ({ sql: 'UPDATE knowledge_chunks SET vec = ? WHERE id = ?', args: [r.blob, r.id] })),
      );
    },

    async countEmbedFailure(ids: readonly number[]): Promise<void> {
      await store.run(`UPDATE knowledge_chunks SET embed_attempts = embed_attempts + 1 WHERE id IN ${IN_JSON}`, [
        JSON.stringify(ids),
      ]);
    },
  };
}

export type KnowledgeStore = ReturnType<typeof createKnowledgeStore>;
