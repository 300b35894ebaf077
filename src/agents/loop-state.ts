import { AppError } from '../core/errors.ts';
import type { Attachment, PendingCall } from '../core/turn.ts';
import type { Content, Grounding } from '../llm/types.ts';
import type { CodeWork } from './code-work.ts';
import type { Frame } from './snapshot.ts';
import type { AgentResult, RunContext } from './types.ts';

/** Mutable state of one agent run. */
export interface LoopState {
  contents: Content[];
  newFrom: number;
  step: number;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  texts: string[];
  systemContext: string;
  grounding?: Grounding;
  attachments?: Attachment[];
  /** Code the provider ran for this run (and its sub-agents) and the files it produced. */
  code?: CodeWork;
}

/** How one call of a step settled: a response for the model, a call waiting for a person, or a suspended sub-agent. */
export type CallOutcome =
  | { kind: 'response'; response: Record<string, unknown>; delegated?: AgentResult }
  | { kind: 'waiting'; pending: PendingCall }
  | { kind: 'child'; frame: Frame; pending: PendingCall[] };

/** Merges `b` into `a` (in place when `a` exists), keeping sources and queries unique. */
export function mergeGrounding(a: Grounding | undefined, b: Grounding | undefined): Grounding | undefined {
  if (!b) return a;
  if (!a) return { sources: [...b.sources], queries: [...b.queries] };
  const seen = new Set(a.sources.map((s) => s.uri));
  for (const s of b.sources) if (!seen.has(s.uri)) a.sources.push(s);
  for (const q of b.queries) if (!a.queries.includes(q)) a.queries.push(q);
  return a;
}

/** The error a stopped turn ends with. */
export function abortedError(ctx: RunContext): AppError {
  return new AppError('aborted', 'The turn was stopped', { cause: ctx.signal.reason });
}

/** The run's result so far, with what this run added to the conversation. */
export function resultOf(state: LoopState, status: AgentResult['status'], text: string): AgentResult {
  const result: AgentResult = { status, text, usage: state.usage, contents: state.contents.slice(state.newFrom) };
  if (state.grounding) result.grounding = state.grounding;
  if (state.code) result.code = state.code;
  return result;
}
