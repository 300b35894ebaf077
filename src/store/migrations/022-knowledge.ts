import type { Migration } from './index.ts';

/**
 * The knowledge base: documents (files and saved links) per library scope (`u:<userId>` or `g:<chatId>`), their
 * chunks with page and heading, an int8 vector per chunk (the layout of src/vectors/vectors.ts; NULL until embedded)
 * and a contentless FTS5 index over the chunk text (rowid = chunk id; the text itself is stored once, in the chunks)
 * whose every token carries a prefix naming the library (fts-query.ts indexText), so a query reads only its
 * library's postings.
 * A document row is written `ingesting` before its file is read and becomes `ready` in the one transaction that
 * stores all its chunks; a start-up sweep marks rows left `ingesting` by a crash `failed`. `ingest_owner` names the
 * process reading the file (a random id per start), so the sweep never touches a live ingestion of its own.
 */
export const knowledgeMigration: Migration = {
  version: 22,
  name: 'knowledge',
  statements: [
    `CREATE TABLE knowledge_documents (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      scope TEXT NOT NULL,
      added_by INTEGER NOT NULL,
      title TEXT NOT NULL,
      file_name TEXT,
      url TEXT,
      mime TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      pages INTEGER,
      chunks INTEGER NOT NULL DEFAULT 0,
      content_hash TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('ingesting', 'ready', 'failed')),
      error TEXT,
      ingest_owner TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      UNIQUE (scope, content_hash)
    )`,
    'CREATE INDEX knowledge_documents_scope ON knowledge_documents (scope, created_at)',
    'CREATE INDEX knowledge_documents_added_by ON knowledge_documents (added_by)',
    "CREATE INDEX knowledge_documents_ingesting ON knowledge_documents (status) WHERE status = 'ingesting'",
    `CREATE TABLE knowledge_chunks (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      document_id INTEGER NOT NULL,
      scope TEXT NOT NULL,
      seq INTEGER NOT NULL,
      page INTEGER,
      heading TEXT,
      text TEXT NOT NULL,
      vec BLOB,
      embed_attempts INTEGER NOT NULL DEFAULT 0,
      UNIQUE (document_id, seq)
    )`,
    'CREATE INDEX knowledge_chunks_scope ON knowledge_chunks (scope, id)',
    'CREATE INDEX knowledge_chunks_unembedded ON knowledge_chunks (id) WHERE vec IS NULL',
    `CREATE VIRTUAL TABLE knowledge_fts USING fts5(
      text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
    )`,
  ],
};
