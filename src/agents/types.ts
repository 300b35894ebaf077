import type { Clock, IdGen } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Attachment, PendingCall, Resolution, TurnEvent, TurnRequest } from '../core/turn.ts';
import type { Content, Grounding, Usage } from '../llm/types.ts';
import type { TurnProcessing } from './processors.ts';
import type { TaintSource } from './tool.ts';

/** Token budget shared by every agent in one turn (a mutable object passed down the Network). */
export interface TurnBudget {
  limitTokens: number;
  used: Usage;
}

/** Loop limits (roster `limits`). */
export interface AgentLimits {
  maxSteps: number;
  /** Tool calls one model step may run; the extras are answered with an error. Default 8. */
  maxToolCallsPerStep?: number;
  toolTimeoutMs: number;
  llmTimeoutMs: number;
}

/** Everything an agent run needs from its turn. One per turn, shared by nested agents. */
export interface RunContext {
  request: Pick<TurnRequest, 'turnId' | 'userId' | 'chat' | 'timezone' | 'userName' | 'locale'>;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  budget: TurnBudget;
  limits: AgentLimits;
  /** "Current time: …" in the user's zone, computed once per turn and put into every agent's system instruction. */
  nowText: string;
  /** Makes call ids for calls the model sent without one (unique within the turn). */
  newId: IdGen;
  emit(event: TurnEvent): void;
  /** Shared by every agent of the turn; persisted with a suspended run so a resume keeps it. */
  taint: TurnTaint;
  /** The guards' processing of this turn (src/agents/processors.ts); none means no processors. */
  processing?: TurnProcessing;
}

/**
 * Per-turn taint: set once outside content (an untrusted tool's result, a web-search agent's answer, a file the user
 * sent, forwarded or quoted text, other members' messages) entered the turn, with where it came from. It only grows.
 */
export interface TurnTaint {
  turnReadUntrusted: boolean;
  /** Where the untrusted content came from, in the order it was read (deduplicated, bounded). */
  sources: TaintSource[];
  /** Hosts the user named in their own words this turn (lower case): fetching them stays free after untrusted text. */
  userHosts: string[];
}

/** Input of one agent run. */
export interface AgentInput {
  /** Prior conversation, oldest first. */
  history: Content[];
  /** The user's message (or, for a sub-agent, the router's task). */
  text: string;
  attachments?: Attachment[];
  /** Facts and recall, framed as data; appended to the system instruction. */
  systemContext?: string;
}

/** The end of an agent run. `usage` covers this invocation only (a resume reports what the resume spent). */
export interface AgentResult {
  status: 'done' | 'limit' | 'suspended';
  text: string;
  usage: Usage;
  grounding?: Grounding;
  /** What this run added to the conversation (model turns, tool calls and results), without the user message. */
  contents: Content[];
  /** Why a `limit` status happened. */
  limit?: 'steps' | 'budget';
  suspension?: { snapshot: unknown; pending: PendingCall[] };
}

/** An agent (a Network is one too). */
export interface Agent {
  readonly name: string;
  readonly description: string;
  /** Its answers carry outside text (an agent with built-in web search or URL reading). */
  readonly untrusted?: boolean;
  run(input: AgentInput, ctx: RunContext): Promise<AgentResult>;
  /** Continues a suspended run; `resolutions` must cover every pending call id. May suspend again. */
  resume(snapshot: unknown, resolutions: Record<string, Resolution>, ctx: RunContext): Promise<AgentResult>;
}

export const ZERO_USAGE: Readonly<Usage> = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/** Adds `b` into `a` in place. */
export function addUsage(a: Usage, b: Usage): void {
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  a.totalTokens += b.totalTokens;
}
