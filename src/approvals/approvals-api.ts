import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Outbox } from '../core/outbox.ts';
import type { ResumableTurnRunner, Suspension, TurnRequest } from '../core/turn.ts';
import type { Store } from '../store/db.ts';
import type { RunEvent } from './events.ts';
import type { ApprovalPolicy } from './policy.ts';
import type { ApprovalRecord } from './records.ts';

/** Who clicked or answered: the Telegram user id and a display name for audit lines. */
export interface Actor {
  id: number;
  name: string;
}

/** What to tell the clicker (answerCallbackQuery): `alert` shows a dialog instead of a toast. */
export interface ClickResult {
  ok: boolean;
  text: string;
  alert: boolean;
  /** The request is closed (decided, expired or gone): the pressed prompt's buttons can no longer do anything. */
  stale?: boolean;
}

/** What one sweep did. */
export interface SweepReport {
  expired: number;
  resumed: number;
  interrupted: number;
  reprompted: number;
}

export interface ApprovalsDeps {
  store: Store;
  outbox: Outbox;
  turnRunner: ResumableTurnRunner;
  policy: ApprovalPolicy;
  clock: Clock;
  /** Short unguessable ids (createIdGen()); they go into callback_data. */
  idGen: IdGen;
  log: Logger;
  /** Whether the bot still serves this user: nothing is resumed, prompted or sent for someone who lost access. */
  isServed?: (userId: number) => Promise<boolean>;
  /** Owners may decide anyone's request. Default: `users.access = 'owner'`. */
  isOwner?: (userId: number) => Promise<boolean>;
  /** The sweeper wakes at least this often (on the Clock), default 20 s. */
  sweepIntervalMs?: number;
  /** How long a resuming run may take before another process considers it interrupted. Default 15 min. */
  resumeLeaseMs?: number;
}

/** The human-in-the-loop service: persists suspended runs, prompts, decides, expires and resumes. */
export interface Approvals {
  /**
   * Persists a suspended run and its pending calls in one transaction, then sends one prompt per call.
   * `budgetMs` caps the wait (e.g. a scheduled job's remaining time budget).
   */
  onSuspended(
    request: TurnRequest,
    suspension: Suspension,
    options?: { budgetMs?: number },
  ): Promise<{ runId: string; approvalIds: string[] }>;
  /** Handles a raw `ap:`/`q:` callback_data press (validated here). Never throws. */
  handleCallback(data: string | undefined, actor: Actor): Promise<ClickResult>;
  /** Approve (`y`), deny (`n`) or always allow (`a`) one approval. First writer wins. */
  decide(approvalId: string, action: 'y' | 'n' | 'a', actor: Actor): Promise<ClickResult>;
  /** Answers a question with option `index`. */
  answer(approvalId: string, index: number, actor: Actor): Promise<ClickResult>;
  /** A text message answers the user's oldest open question in this chat (and topic). True when consumed. */
  answerFromText(chat: ChatRef, userId: number, text: string): Promise<boolean>;
  /** Open approvals and questions in this chat that this user may decide (owners: all of the chat). */
  pendingFor(chat: ChatRef, userId: number): Promise<ApprovalRecord[]>;
  /** `/pending`: re-sends every open prompt with its buttons (or says nothing is waiting). Returns how many. */
  resendPending(chat: ChatRef, userId: number): Promise<number>;
  /** Applies due fallbacks, resumes settled runs, recovers interrupted ones, re-sends prompts that never went out. */
  sweep(): Promise<SweepReport>;
  /** Sweeps now and then periodically. */
  start(): Promise<void>;
  /** Stops the timer and waits for in-flight work. */
  stop(): Promise<void>;
  /** Resolves when background work (edits, resumes) started so far has finished. */
  idle(): Promise<void>;
  eventsForRun(runId: string): Promise<RunEvent[]>;
  /** Recent events in a chat, newest last; only runs of `userId` when given (what /why may show that user). */
  eventsForChat(chatId: number, limit?: number, userId?: number): Promise<RunEvent[]>;
}
