/**
 * The processor contract: hooks the agent loop calls around every model call, tool call and answer. The guards module
 * implements it (src/guards); the agents module only calls it, so it never imports guards.
 */
import type { GuardHookName, TurnRequest } from '../core/turn.ts';

/** Where in a turn a processor runs. `toolCall` runs before the approval gate. */
export type ProcessorHook = GuardHookName;

/** What a processor did, kept for /why and the log: never the text itself. */
export interface ProcessorNote {
  processor: string;
  hook: ProcessorHook;
  action: 'redact' | 'flag' | 'halt';
}

/** A hook's verdict: go on unchanged, go on with a rewritten value, or stop the turn with a reason the user reads. */
export type ProcessorVerdict<T> =
  | { action: 'pass'; notes?: ProcessorNote[] }
  | { action: 'rewrite'; value: T; notes: ProcessorNote[] }
  | { action: 'halt'; reason: string; note: ProcessorNote; notes?: ProcessorNote[] };

/** A tool call as the processors see it. */
export interface ProcessedCall {
  agent: string;
  tool: string;
  args: Record<string, unknown>;
  /** The tool's results carry outside text (`Tool.untrusted`). */
  untrusted: boolean;
}

/** Keeps secrets out of text that is shown while it streams, holding back a short tail that may be half a secret. */
export interface StreamFilter {
  /** Takes the next piece of streamed text; returns what may be shown now (maybe ''). */
  push(delta: string): string;
  /** The end of the stream: the rest, cleaned. */
  end(): string;
}

/** One turn's processing (created per turn; the state of per-turn processors such as the tool-call cap lives here). */
export interface TurnProcessing {
  /**
   * A line for the system instruction of agents that read untrusted content, explaining how such content is marked.
   * Static (no per-turn values), so the instruction stays cacheable.
   */
  readonly dataNote?: string;
  /** Before the first model call, on the user's text. */
  input(text: string): Promise<ProcessorVerdict<string>>;
  /** Before a tool call (ahead of the approval gate), on its validated arguments. */
  toolCall(call: ProcessedCall): Promise<ProcessorVerdict<Record<string, unknown>>>;
  /** After a tool ran, before its result enters the model's context. */
  toolResult(
    call: ProcessedCall,
    response: Record<string, unknown>,
  ): Promise<ProcessorVerdict<Record<string, unknown>>>;
  /** Before the answer is sent, on the model's final text. */
  output(text: string): Promise<ProcessorVerdict<string>>;
  /** The output's redactions only (no halts, no logs), for text the user sees along the way or that is stored. */
  redact(text: string): string;
  /** A filter for one agent's streamed text. */
  streamFilter(): StreamFilter;
}

/** The processor chain, as the agent loop sees it. */
export interface TurnProcessors {
  /** Starts the processing of one turn (a resumed turn starts a new one). */
  begin(turn: Pick<TurnRequest, 'turnId' | 'userId' | 'chat' | 'locale' | 'source'>): Promise<TurnProcessing>;
}

/** Thrown inside the loop when a processor halts the turn; the turn runner ends the turn with `reason`. */
export class ProcessorHalt extends Error {
  readonly reason: string;
  readonly note: ProcessorNote;
  constructor(reason: string, note: ProcessorNote) {
    super(`halted by the ${note.processor} guard (${note.hook})`);
    this.name = 'ProcessorHalt';
    this.reason = reason;
    this.note = note;
  }
}
