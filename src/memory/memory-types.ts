import type { TurnActivity } from '../core/activity.ts';
import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ConversationMemory } from '../core/memory.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Llm } from '../llm/types.ts';
import type { Store } from '../store/db.ts';
import type { AddFactResult, Fact, FactCategory } from './fact.ts';
import { type RestoreStatus, UNDO_WINDOW_MS } from './fact-trash.ts';
import type { ScopeChat } from './scope.ts';

/** Tunables; every field has a default (see `defaultMemoryOptions`). */
export interface MemoryOptions {
  /** History budget per turn, in estimated tokens (chars / 4). */
  historyTokens: number;
  /** Older turns are compacted into a summary once the thread exceeds the budget by more than this. */
  compactOverflowTokens: number;
  /** Embedding size requested from the model (gemini-embedding-001 supports 768). */
  embeddingDims: number;
  recallLimit: number;
  /** Minimum cosine for a past message to be recalled. */
  recallMinScore: number;
  factLimit: number;
  /** Minimum cosine between the user's message and a fact for the fact to be injected. */
  factMinScore: number;
  /** Facts whose decayed confidence is below this are not injected. */
  factMinConfidence: number;
  /** Confidence of an unconfirmed extracted fact halves after this many days. */
  factHalfLifeDays: number;
  /** Extract facts once this many non-trivial user messages are pending in a scope... */
  extractEvery: number;
  /** ...or once the oldest pending one is this old (checked by the maintenance timer). */
  extractIdleMs: number;
  /** Time allowed for the query embedding on the hot path before recall is skipped. */
  queryEmbedTimeoutMs: number;
  embedBatch: number;
  /** Upper bound of the in-process vector cache across scopes (LRU). */
  cacheMaxBytes: number;
  /** Upper bound of the in-process fact cache across scopes (LRU). */
  factCacheMaxBytes: number;
  maintenanceIntervalMs: number;
  /** A turn right after /new waits at most this long for the ended thread's facts to be extracted. */
  flushWaitMs: number;
  /** At close (graceful shutdown), pending facts of every scope are extracted within this time. */
  closeFlushMs: number;
  /** A forgotten fact can be brought back with Undo for this long; maintenance then deletes it for good. */
  undoWindowMs: number;
}

export const defaultMemoryOptions: MemoryOptions = {
  historyTokens: 8000,
  compactOverflowTokens: 2000,
  embeddingDims: 768,
  recallLimit: 5,
  recallMinScore: 0.6,
  factLimit: 10,
  factMinScore: 0.5,
  factMinConfidence: 0.3,
  factHalfLifeDays: 180,
  extractEvery: 3,
  extractIdleMs: 10 * 60_000,
  queryEmbedTimeoutMs: 3000,
  embedBatch: 32,
  cacheMaxBytes: 64 * 1024 * 1024,
  factCacheMaxBytes: 64 * 1024 * 1024,
  maintenanceIntervalMs: 60_000,
  flushWaitMs: 15_000,
  closeFlushMs: 5_000,
  undoWindowMs: UNDO_WINDOW_MS,
};

export interface MemoryDeps {
  store: Store;
  llm: Llm;
  clock: Clock;
  ids: IdGen;
  log: Logger;
  /** Model for fact extraction and thread summaries (a cheap one is fine). The embedding model is the Llm's own. */
  models: { chat: string };
  options?: Partial<MemoryOptions>;
}

/** A past message found by recall, with the assistant's reply to it when there was one. */
export interface RecalledMessage {
  id: string;
  threadId: string;
  text: string;
  reply?: string;
  at: number;
  score: number;
}

/** What /why shows for the last answer in a chat. */
export interface LastUsed {
  userId: number;
  turnId: string;
  at: number;
  /** `text` is undefined for a fact forgotten since. */
  facts: { id: string; text: string | undefined }[];
  messages: { id: string; text: string | undefined; at: number | undefined }[];
  /** Tools, files and web pages of that answer (absent for answers stored before this was recorded). */
  activity?: TurnActivity;
}

/** Everything stored about one user, for /export. */
export interface UserExport {
  exportedAt: string;
  userId: number;
  facts: Record<string, unknown>[];
  messages: Record<string, unknown>[];
  threads: Record<string, unknown>[];
  forgotten: Record<string, unknown>[];
  /** What the last answer in each chat used (/why). */
  lastAnswers: Record<string, unknown>[];
}

export interface WipeResult {
  messages: number;
  facts: number;
  vectors: number;
  threads: number;
}

/** The memory service: `ConversationMemory` for the turn runner plus what tools and commands need. */
export interface Memory extends ConversationMemory {
  /** Stores a fact the user explicitly asked to keep (injection-filtered, deduplicated). */
  remember(userId: number, chat: ScopeChat, text: string, category?: FactCategory): Promise<AddFactResult>;
  /** Facts in the user's scope relevant to `query`, best first. */
  searchFacts(userId: number, chat: ScopeChat, query: string, limit?: number): Promise<{ fact: Fact; score: number }[]>;
  /** Past messages in the user's scope relevant to `query`, best first. */
  searchMessages(userId: number, chat: ScopeChat, query: string, limit?: number): Promise<RecalledMessage[]>;
  /** One page of the user's active facts in this chat's scope, newest first. */
  listFacts(userId: number, chat: ScopeChat, page: number, pageSize: number): Promise<{ facts: Fact[]; total: number }>;
  /** Facts matching a phrase (for /forget and the forget tool's preview). */
  findFacts(userId: number, chat: ScopeChat, phrase: string): Promise<Fact[]>;
  /** Deletes the user's facts by id and tombstones them so they are not re-learned. */
  forgetFacts(userId: number, factIds: string[]): Promise<Fact[]>;
  /** Forgets the user's facts in this chat's scope at once, with Undo for `undoWindowMs`; returns those forgotten. */
  trashFacts(userId: number, chat: ScopeChat, factIds: string[]): Promise<Fact[]>;
  /** Undo of `trashFacts`, per fact: restored, already active, too late, or gone. */
  restoreFacts(userId: number, chat: ScopeChat, factIds: string[]): Promise<{ id: string; status: RestoreStatus }[]>;
  /** Whether Undo can still bring a forgotten fact back. */
  undoable(fact: Fact): boolean;
  getFact(factId: string): Promise<Fact | undefined>;
  /** Facts by id, forgotten ones included (with `deletedAt`); missing ids are left out. */
  getFacts(factIds: string[]): Promise<Fact[]>;
  /** Facts and recalled messages used for this user's last answer in a chat (never another member's). */
  lastUsed(chat: ChatRef, userId: number): Promise<LastUsed | undefined>;
  exportUser(userId: number): Promise<UserExport>;
  /** Deletes every message, fact, vector, tombstone and private thread of the user. */
  wipeUser(userId: number): Promise<WipeResult>;
  /** Stores a confirmation waiting for a button press; returns its short id. */
  savePending(userId: number, kind: string, payload: unknown): Promise<string>;
  /** Takes (and deletes) a pending confirmation if it belongs to `userId`, has `kind` and is under an hour old. */
  takePending(id: string, userId: number, kind: string): Promise<unknown | undefined>;
  /** Like `takePending`, but leaves the row in place (it expires after an hour). */
  readPending(id: string, userId: number, kind: string): Promise<unknown | undefined>;
  /** Retries embeddings, extracts facts for idle scopes, prunes faded facts. Runs on a timer after `start()`. */
  maintenance(): Promise<void>;
  /** Resolves once queued background work (embedding, extraction, compaction) is finished. */
  idle(): Promise<void>;
  /** Starts the maintenance timer. */
  start(): void;
  /** Stops timers, waits for background work and extracts every scope's pending facts (within `closeFlushMs`). */
  close(): Promise<void>;
  /** Bytes held by the vector cache. */
  cacheBytes(): number;
}
