import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { TurnRequest } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import type { ToolDeclaration } from '../llm/types.ts';

/** What a tool sees about the turn it runs in. */
export interface ToolContext {
  userId: number;
  chat: TurnRequest['chat'];
  /** The user's IANA time zone. */
  timezone: string;
  /** The language of the bot's own texts for this user (progress lines, `describeForApproval`; absent: English). */
  locale?: Locale;
  turnId: string;
  /** Name of the agent that called the tool. */
  agent: string;
  /** The model's id for this call (unique within the turn). */
  callId: string;
  clock: Clock;
  log: Logger;
  /** Aborted when the turn is stopped or the tool times out. Pass it to fetch/DB calls. */
  signal: AbortSignal;
  /**
   * True once content from outside the user's own message entered this turn before this call (a web page, a web
   * search answer, forwarded or quoted text, other members' messages). The approval gate then asks formally, as it
   * does when this is unset (contexts built outside the agent loop).
   */
  turnReadUntrusted?: boolean;
  /**
   * Where the untrusted content read so far came from, and the hosts the user named in their own message (a call
   * that only fetches such a host stays free). Unset outside the agent loop: then nothing is known to be trusted.
   */
  taint?: { sources: readonly TaintSource[]; userHosts: readonly string[] };
  /** Streams a short human status line ("Searching…") to the user while the tool runs. */
  progress(message: string): void;
  /**
   * Suspends the run from inside the tool (e.g. `ask_user`): throws a `ToolSuspension` the agent loop catches.
   * The tool does not run again on resume: the person's answer becomes its result (`{ answer }`).
   */
  suspend(kind: 'question', payload: Record<string, unknown>): never;
}

/**
 * One origin of untrusted text in a turn: a tool's result (`name` from `Tool.sourceOf`, e.g. a page's host), a
 * sub-agent with web tools (`name`: the hosts it cited), a file the user sent, someone else's forwarded or quoted
 * message, other group members' words, or `earlier`: a run saved before sources were recorded.
 */
export interface TaintSource {
  kind: 'tool' | 'agent' | 'file' | 'message' | 'group' | 'earlier';
  name?: string;
}

/**
 * How a call that needs approval reads in its prompt, in the tool's own words. Both parts are optional; the prompt
 * falls back to the call's arguments and plain "Shall I go ahead with this?" words.
 */
export interface ApprovalDescription {
  /** What the call acts on, in words (e.g. the reminder's /jobs line, the facts it would forget). */
  details?: string;
  /** The call as a confirmation: a title sentence and the verbs of its two buttons ("Delete" / "Keep"). */
  confirm?: { title: string; yes: string; no: string };
}

/** A function tool the model can call. Build with `defineTool`. */
export interface Tool {
  readonly name: string;
  readonly description: string;
  /** zod schema of the arguments (an object schema). */
  readonly input: z.ZodType;
  /** Per-call timeout; the loop's default (roster `limits.toolTimeoutMs`) applies when unset. */
  readonly timeoutMs?: number;
  /** Its results carry text from outside (e.g. a web page): once one enters the turn, the turn counts as untrusted. */
  readonly untrusted: boolean;
  /**
   * It changes nothing outside the turn (no writes, no messages, no requests the user didn't name): a turn that read
   * untrusted text may still call it freely. Default false: a tool with side effects.
   */
  readonly readOnly: boolean;
  /**
   * For `untrusted` tools: where a result came from, in a few words a person recognises ("example.com",
   * "report.pdf", "MCP server notes"). Names the source in approval prompts that follow it.
   */
  sourceOf?(args: unknown, result: unknown): string | undefined;
  /**
   * For a tool whose only effect outside the turn is one HTTP GET (`http_fetch`): the URL a call requests. After
   * untrusted text such a call stays free when the user named its host in their own message.
   */
  requestedUrl?(args: unknown): string | undefined;
  /** The declaration sent to the model (JSON Schema from zod). */
  readonly declaration: ToolDeclaration;
  /** Validates raw model arguments. The error is a short text meant for the model. */
  parse(args: unknown): { ok: true; value: unknown } | { ok: false; error: string };
  /** Runs the tool with arguments returned by `parse`. Returns any JSON-serializable value or throws. */
  execute(args: unknown, ctx: ToolContext): Promise<unknown> | unknown;
  /** For the approval prompt: the call in the tool's own words (undefined when the arguments don't parse). */
  describeForApproval?(args: unknown, ctx: ToolContext): Promise<ApprovalDescription | undefined>;
}

/** The definition accepted by `defineTool`. */
export interface ToolDefinition<S extends z.ZodType> {
  name: string;
  description: string;
  input: S;
  timeoutMs?: number;
  /** Set for tools whose results carry outside text (web pages). Default false. */
  untrusted?: boolean;
  /** Set for tools that change nothing outside the turn (see `Tool.readOnly`). Default false. */
  readOnly?: boolean;
  /** For `untrusted` tools: names where a result came from (see `Tool.sourceOf`). */
  sourceOf?(args: z.infer<S>, result: unknown): string | undefined;
  /** For a tool whose only effect outside is one HTTP GET: the URL a call requests (see `Tool.requestedUrl`). */
  requestedUrl?(args: z.infer<S>): string | undefined;
  execute(args: z.infer<S>, ctx: ToolContext): Promise<unknown> | unknown;
  /**
   * For tools whose calls may need approval: what the call does, in words, for the prompt (only read when the
   * policy asks). A new risky tool describes itself here; nothing in the approvals module names tools.
   */
  describeForApproval?(
    args: z.infer<S>,
    ctx: ToolContext,
  ): Promise<ApprovalDescription | undefined> | ApprovalDescription | undefined;
}

/** A call the gate is asked about. */
export interface GateCall {
  agent: string;
  tool: string;
  args: Record<string, unknown>;
}

/** The gate's verdict: run it, refuse it (the model is told why) or wait for a person. */
export type GateDecision =
  | { action: 'allow' }
  | { action: 'deny'; reason: string }
  | { action: 'suspend'; payload: Record<string, unknown> };

/**
 * Decides per tool call before it runs (the approvals module implements it).
 * If `check` throws, the loop fails closed: the call is suspended for approval. No gate means allow.
 */
export interface ToolGate {
  check(call: GateCall, ctx: ToolContext): Promise<GateDecision>;
}

/** Thrown by `ToolContext.suspend`; the agent loop turns it into a pending call. Never shown to the model. */
export class ToolSuspension extends Error {
  readonly kind: 'question';
  readonly payload: Record<string, unknown>;
  constructor(kind: 'question', payload: Record<string, unknown>) {
    super(`tool suspended the run (${kind})`);
    this.name = 'ToolSuspension';
    this.kind = kind;
    this.payload = payload;
  }
}

/** Gemini function names: letters, digits, _ . - ; at most 64 characters, not starting with a digit. */
const TOOL_NAME = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/;

/** JSON Schema for a zod schema, in the input direction (fields with defaults are optional), without `$schema`. */
export function toParametersSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema: _ignored, ...rest } = json;
  return rest;
}

/** Formats zod issues as one short line per problem, for the model to fix its call. */
export function formatArgIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}

/**
 * Defines a tool from a zod object schema. Arguments are validated with `safeParse` before `execute` runs,
 * so `execute` receives typed, checked arguments. Throws at startup for an invalid name or non-object schema.
 */
export function defineTool<S extends z.ZodType>(definition: ToolDefinition<S>): Tool {
  const { name, description, input, timeoutMs } = definition;
  if (!TOOL_NAME.test(name)) throw new Error(`Tool name "${name}" is invalid: use letters, digits and _ (max 64)`);
  if (name.startsWith('agent_')) throw new Error(`Tool name "${name}" is reserved: agent_* names are sub-agents`);
  if (!description.trim()) throw new Error(`Tool "${name}" needs a description`);
  const parameters = toParametersSchema(input);
  if (parameters.type !== 'object') throw new Error(`Tool "${name}" input must be a z.object(...) schema`);
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0))
    throw new Error(`Tool "${name}" timeoutMs must be a positive number`);
  return {
    name,
    description,
    input,
    timeoutMs,
    untrusted: definition.untrusted === true,
    readOnly: definition.readOnly === true,
    declaration: { name, description, parameters },
    parse(args) {
      const parsed = input.safeParse(args ?? {});
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: formatArgIssues(parsed.error) };
    },
    execute(args, ctx) {
      return definition.execute(args as z.infer<S>, ctx);
    },
    ...(definition.sourceOf ? { sourceOf: sourceNamer(input, definition.sourceOf) } : {}),
    ...(definition.requestedUrl ? { requestedUrl: urlNamer(input, definition.requestedUrl) } : {}),
    ...(definition.describeForApproval
      ? { describeForApproval: describer(input, definition.describeForApproval) }
      : {}),
  };
}

function describer<S extends z.ZodType>(
  input: S,
  describe: NonNullable<ToolDefinition<S>['describeForApproval']>,
): NonNullable<Tool['describeForApproval']> {
  return async (args, ctx) => {
    const parsed = input.safeParse(args ?? {});
    return parsed.success ? describe(parsed.data, ctx) : undefined;
  };
}

function sourceNamer<S extends z.ZodType>(
  input: S,
  name: NonNullable<ToolDefinition<S>['sourceOf']>,
): NonNullable<Tool['sourceOf']> {
  return (args, result) => {
    const parsed = input.safeParse(args ?? {});
    return parsed.success ? name(parsed.data, result) : undefined;
  };
}

function urlNamer<S extends z.ZodType>(
  input: S,
  url: NonNullable<ToolDefinition<S>['requestedUrl']>,
): NonNullable<Tool['requestedUrl']> {
  return (args) => {
    const parsed = input.safeParse(args ?? {});
    return parsed.success ? url(parsed.data) : undefined;
  };
}
