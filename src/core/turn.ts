import type { AppError } from './errors.ts';
import type { ChatRef, Keyboard } from './outbox.ts';
import type { Content, Grounding, Usage } from '../llm/types.ts';
import type { Locale } from '../i18n/locale.ts';

/** A file the user sent with a message, downloaded and passed to the model inline. */
export interface Attachment {
  mimeType: string;
  /** Base64 bytes. */
  data: string;
  name?: string;
}

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

/** Everything the brain needs to answer one turn. Built by the Telegram front end, the scheduler or a resume. */
export interface TurnRequest {
  /** Idempotency key for the turn, e.g. `update:123` or `job:abc:1700000000000`. */
  turnId: string;
  userId: number;
  userName?: string;
  chat: ChatRef & { type: ChatType };
  text: string;
  attachments: Attachment[];
  /** What started it: a chat message, a scheduled job, a resumed run, a background task or a workflow step. */
  source: 'telegram' | 'schedule' | 'resume' | 'task' | 'workflow';
  /** The user's message that started the turn, when there is one (a background task's result replies to it). */
  messageId?: number;
  /** The user's IANA time zone. */
  timezone: string;
  /** The language of the bot's own texts for this user (absent, e.g. in a run stored by an older version: English). */
  locale?: Locale;
  /** The message carries someone else's words (forwarded, or quoting a message): the turn starts untrusted. */
  untrustedInput?: boolean;
  signal?: AbortSignal;
}

/** Stream events from a turn, in order. `status` is a short human line for tool progress. */
export type TurnEvent =
  | { type: 'text-delta'; agent: string; text: string }
  | { type: 'tool-start'; agent: string; tool: string; callId: string; args: Record<string, unknown> }
  | { type: 'tool-result'; agent: string; tool: string; callId: string; ok: boolean; summary: string }
  | { type: 'tool-progress'; agent: string; tool: string; callId: string; message: string }
  | { type: 'agent-start'; agent: string }
  | { type: 'agent-finish'; agent: string; text: string }
  | { type: 'routing'; from: string; to: string; task: string }
  | { type: 'usage'; agent: string; usage: Usage }
  | { type: 'status'; message: string }
  /** A guard (src/guards) redacted, flagged or halted something; never carries the text itself. */
  | { type: 'guard'; processor: string; hook: GuardHookName; action: 'redact' | 'flag' | 'halt' };

/** Where in a turn a guard ran (see src/agents/processors.ts). */
export type GuardHookName = 'input' | 'toolCall' | 'toolResult' | 'output';

/** The end of a turn. Branch on `status`; `text` is always safe to show the user (may be empty only for `suspended`). */
export interface TurnOutcome {
  status: 'done' | 'limit' | 'stopped' | 'suspended' | 'failed';
  text: string;
  usage: Usage;
  /** Extra buttons the front end should attach to the final answer (e.g. Continue after a limit). */
  keyboard?: Keyboard;
  grounding?: Grounding;
  error?: AppError;
  /** The full contents produced this turn (model turns, tool calls and results), for persistence. */
  contents?: Content[];
  /** Set when `status` is `suspended`: what the run waits for and how to continue it. */
  suspension?: Suspension;
  /** What the user said in the turn's audio, as the model that heard it wrote it (not part of `text`). */
  transcript?: string;
}

/** Runs turns: memory in, Network, memory out. */
export interface TurnRunner {
  run(request: TurnRequest, onEvent?: (event: TurnEvent) => void): Promise<TurnOutcome>;
}

/** A tool call waiting for a person: an approval (Approve/Deny) or a question (ask_user). */
export interface PendingCall {
  callId: string;
  agent: string;
  tool: string;
  args: Record<string, unknown>;
  kind: 'approval' | 'question';
  /** For questions: `{ question, options }`; for approvals: policy details (timeout, fallback, allowAlways). */
  payload: Record<string, unknown>;
}

/** How a pending call was settled. `approved` runs the tool with its stored arguments. */
export type Resolution = { type: 'approved' } | { type: 'denied'; reason: string } | { type: 'answer'; value: string };

/** A suspended run: JSON-serializable state (owned by the agents module) plus the calls it waits for. */
export interface Suspension {
  snapshot: unknown;
  pending: PendingCall[];
}

/** Turn runner with human-in-the-loop resume. */
export interface ResumableTurnRunner extends TurnRunner {
  /** Continues a suspended run once every pending call has a resolution. May suspend again. */
  resume(
    request: TurnRequest,
    suspension: Suspension,
    resolutions: Record<string, Resolution>,
    onEvent?: (event: TurnEvent) => void,
  ): Promise<TurnOutcome>;
}
