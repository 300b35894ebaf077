/** What one library may hold and one document may be. Defaults below; the environment overrides them (app-knowledge.ts). */
export interface KnowledgeLimits {
  /** Largest file accepted, in bytes. */
  maxFileBytes: number;
  /** Most pages of a paged document (PDF). */
  maxPages: number;
  /** Most passages (chunks) one document may become. */
  maxChunksPerDocument: number;
  /** Most documents one user may have added (across their own library and groups; failed ones don't count). */
  maxDocumentsPerUser: number;
}

/** 20 MB is also the largest file a bot may download from Telegram. */
export const DEFAULT_KNOWLEDGE_LIMITS: KnowledgeLimits = {
  maxFileBytes: 20 * 1024 * 1024,
  maxPages: 1000,
  maxChunksPerDocument: 5000,
  maxDocumentsPerUser: 500,
};

/** How documents are cut and embedded. */
export interface ChunkingOptions {
  /** Target size of a passage in tokens (about 4 characters each). */
  targetTokens: number;
  /** Tokens repeated from the end of the previous passage when a section is cut in the middle. */
  overlapTokens: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { targetTokens: 300, overlapTokens: 40 };
