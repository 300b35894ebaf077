/**
 * The knowledge base as the rest of the app sees it (the contract between ingestion/search and the Telegram
 * surfaces). A library belongs to a user (private chats) or to a group (every member of that group shares it).
 */

/** `u:<userId>` for a user's own library, `g:<chatId>` for a group's. Every query is filtered by it first. */
export type LibraryScope = string;

/** The library a chat's documents go to. */
export function libraryScopeOf(userId: number, chat: { chatId: number; type: string }): LibraryScope {
  return chat.type === 'private' ? `u:${userId}` : `g:${chat.chatId}`;
}

/** One stored document (a file or a saved link). */
export interface DocumentInfo {
  id: string;
  scope: LibraryScope;
  /** The user who added it. */
  addedBy: number;
  /** The document's title (from its metadata or first heading), else its file name or URL. */
  title: string;
  fileName?: string;
  /** Set for saved links. */
  url?: string;
  mimeType: string;
  bytes: number;
  /** Page count for paged formats (PDF); undefined otherwise. */
  pages?: number;
  chunks: number;
  /** `ingesting` while being read or embedded; `ready` when searchable; `failed` (with `error`) when abandoned. */
  status: 'ingesting' | 'ready' | 'failed';
  error?: string;
  /** Epoch ms. */
  createdAt: number;
}

/** A passage found by search, with what a citation needs. */
export interface KnowledgeHit {
  /** Stable while the document exists (e.g. `d12c7`): the model cites it, a button sends the passage. */
  citationId: string;
  documentId: string;
  title: string;
  page?: number;
  heading?: string;
  text: string;
  score: number;
}

/** What to ingest: a file the user sent, or a page fetched for a saved link. */
export interface IngestSource {
  scope: LibraryScope;
  addedBy: number;
  fileName?: string;
  url?: string;
  mimeType: string;
  bytes: Uint8Array;
}

/** Why a document was not stored (nothing of it is kept). `limit` is the limit that was hit, where one was. */
export type IngestRejection =
  | 'too_large'
  | 'too_many_pages'
  | 'too_many_chunks'
  | 'too_many_documents'
  | 'no_text'
  | 'unsupported'
  | 'unreadable';

export type IngestOutcome =
  | { status: 'ready'; document: DocumentInfo }
  /** The same content (hash) is already in this library: nothing new stored. */
  | { status: 'duplicate'; document: DocumentInfo }
  | { status: 'rejected'; reason: IngestRejection; limit?: number };

/** Progress of one ingestion: `fraction` in 0..1 of the pages (or bytes) read so far. */
export type IngestProgress = (progress: { fraction: number; stage: 'reading' | 'indexing' }) => void;

/** The library: add, find, list and remove documents. */
export interface KnowledgeBase {
  /** Extracts, chunks and stores a document; resolves when it is searchable (or rejected). */
  ingest(source: IngestSource, onProgress?: IngestProgress, signal?: AbortSignal): Promise<IngestOutcome>;
  /** Hybrid (keyword + vector) search within one library, best first. */
  search(
    scope: LibraryScope,
    query: string,
    options?: { limit?: number; signal?: AbortSignal },
  ): Promise<KnowledgeHit[]>;
  /** One page of the library, newest first. */
  list(
    scope: LibraryScope,
    page: { offset: number; limit: number },
  ): Promise<{ documents: DocumentInfo[]; total: number }>;
  get(scope: LibraryScope, documentId: string): Promise<DocumentInfo | undefined>;
  /** The passage behind a citation id (undefined when the document was deleted). */
  passage(scope: LibraryScope, citationId: string): Promise<KnowledgeHit | undefined>;
  /** Removes a document with its chunks, vectors and keyword rows in one transaction. False when absent. */
  delete(scope: LibraryScope, documentId: string): Promise<boolean>;
}
