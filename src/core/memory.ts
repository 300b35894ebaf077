import type { TurnActivity } from './activity.ts';
import type { TurnOutcome, TurnRequest } from './turn.ts';
import type { Content } from '../llm/types.ts';

/** What memory contributes to one turn's context. */
export interface MemoryContext {
  /** Thread id the turn belongs to. */
  threadId: string;
  /** Prior turns of the thread, within the token budget, oldest first (a compacted summary may lead). */
  history: Content[];
  /** Text for the system prompt: relevant user facts and recalled past messages, framed as data, not instructions. */
  systemContext: string;
  /** What was used, for /why; `activity` is filled in by the turn runner (tools that ran, files, web pages). */
  used: { factIds: string[]; recalledMessageIds: string[]; activity?: TurnActivity };
  /** A group's history (or its summary) holds other members' words: the turn then counts as untrusted. */
  othersInHistory?: boolean;
  /** Outside documents whose text the context carries (e.g. library passages), by name: the turn then counts as untrusted. */
  documentsInContext?: string[];
}

/** Conversation and user memory as the turn runner sees it. */
export interface ConversationMemory {
  /** Loads history, facts and recall for a turn. Never throws for recall/embedding failures: it degrades to history only. */
  prepare(request: TurnRequest): Promise<MemoryContext>;
  /** Persists the user message and the reply before the turn counts as done; schedules background embedding/extraction. */
  commit(request: TurnRequest, context: MemoryContext, outcome: TurnOutcome): Promise<void>;
  /** Starts a fresh thread for a chat (or forum topic), used by /new. Returns the new thread id. */
  newThread(chat: TurnRequest['chat']): Promise<string>;
}
