import type { Store } from '../store/db.ts';
import { secureDeletes } from '../store/secure-delete.ts';
import { type ChunkRow, DOC_COLUMNS, type DocRow, deleteDocs, toChunk, toDoc } from './knowledge-store.ts';

/**
 * /wipe and /export of the knowledge base. A user's documents are their own library (`u:<id>`) and every document
 * they added to a group's library.
 */

/**
 * Deletes the user's documents with their chunks and keyword rows (deleted content overwritten on disk), then
 * rewrites the keyword index (FTS5 'optimize') so the deleted terms leave its pages too. Returns the documents
 * removed and the libraries touched (their cached vectors must go).
 */
export async function wipeUserDocuments(
  store: Store,
  userId: number,
): Promise<{ documents: number; scopes: string[] }> {
  return store.write(async (tx) => {
    await secureDeletes(tx, store.kind);
    const rows = await tx.query('SELECT id, scope FROM knowledge_documents WHERE scope = ? OR added_by = ?', [
      `u:${userId}`,
      userId,
    ]);
    const documents = await deleteDocs(
      tx,
      rows.map((r) => Number(r.id)),
    );
    if (documents > 0) await tx.run("INSERT INTO knowledge_fts (knowledge_fts) VALUES ('optimize')");
    return { documents, scopes: [...new Set(rows.map((r) => String(r.scope)))] };
  });
}

/** The user's documents with their passages in order, oldest document first. */
export async function exportUserDocuments(
  store: Store,
  userId: number,
): Promise<{ document: DocRow; chunks: ChunkRow[] }[]> {
  const docs = (
    await store.query(
      `SELECT ${DOC_COLUMNS} FROM knowledge_documents WHERE scope = ? OR added_by = ? ORDER BY created_at, id`,
      [`u:${userId}`, userId],
    )
  ).map(toDoc);
  const out: { document: DocRow; chunks: ChunkRow[] }[] = [];
  for (const document of docs) {
    const chunks = await store.query(
      `SELECT c.id, c.document_id, c.seq, c.page, c.heading, c.text, d.title FROM knowledge_chunks c
         JOIN knowledge_documents d ON d.id = c.document_id WHERE c.document_id = ? ORDER BY c.seq`,
      [Number(document.id)],
    );
    out.push({ document, chunks: chunks.map(toChunk) });
  }
  return out;
}
