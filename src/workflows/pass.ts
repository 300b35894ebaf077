import type { Tool, ToolContext, ToolGate } from '../agents/tool.ts';
import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Llm } from '../llm/types.ts';
import type { Store } from '../store/db.ts';
import type { Workflow } from './definition.ts';
import type { Decision } from './decision-store.ts';
import type { Replayed } from './replay.ts';
import type { BuiltinTool } from '../llm/types.ts';
import { type RunRow, appendHeld } from './run-store.ts';
import { StepFailed, type StepFailure, StepSuspended } from './step-errors.ts';
import { type ScopeValue, asText } from './template.ts';

/** An agent as a workflow step uses it: its instructions (and built-in web tools, if any). */
export interface StepAgent {
  instructions: string;
  builtinTools: BuiltinTool[];
}

/** The gate's words for a prompt (from its suspend payload). */
export interface DecisionTerms {
  summary: string;
  reason: string;
  confirm?: { title: string; yes: string; no: string };
  taintSources?: { kind: string; name?: string }[];
}

/** What running steps needs from the app. */
export interface ExecutorDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** This process's lease owner id. */
  owner: string;
  llm: Llm;
  models: { default: string; router: string };
  agentNamed: (name: string) => StepAgent | undefined;
  toolNamed: (name: string) => Tool | undefined;
  gate: ToolGate;
  toolTimeoutMs: number;
  llmTimeoutMs: number;
  /** Posts the final message once (the dedupe key makes a repeat return the first delivery). */
  post: (run: RunRow, text: string) => Promise<{ ok: true; messageId: number } | { ok: false; message: string }>;
  /** Shows a decision's Approve/Deny prompt in the run's chat. */
  ask: (run: RunRow, decision: Decision, terms: DecisionTerms) => Promise<void>;
  /** The approval policy's wait for a decision (a job's run uses the scheduled one). */
  decisionTimeoutMs: (payload: Record<string, unknown>, scheduled: boolean) => number;
}

/** One pass over a run: what its log says, its decisions and its taint so far. */
export interface Pass {
  deps: ExecutorDeps;
  run: RunRow;
  wf: Workflow;
  log: Replayed;
  decisions: Map<string, Decision>;
  /** Where untrusted text in the run came from (a page's host): later side-effect calls ask first. */
  taint: Set<string>;
  /** Hosts named by the run's own trusted inputs (parameters, the owner's definition). */
  userHosts: string[];
  abort: AbortController;
}

type StepEvent = 'step_started' | 'step_completed' | 'step_failed' | 'step_interrupted';

/** Appends one step event (fenced by this process's lease). */
export function appendStep(p: Pass, type: StepEvent, step: string, data?: unknown): Promise<number[]> {
  const event = { type, step, ...(data !== undefined ? { data } : {}) };
  return appendHeld(p.deps.store, p.run.id, p.deps.owner, [event], p.deps.clock.now());
}

const MAX_OUTPUT_CHARS = 100_000;

/** A step's output kept small enough for the log: a long text is cut, a big object becomes its cut text. */
function boundOutput(value: unknown): unknown {
  const json = JSON.stringify(value ?? null);
  if (json.length <= MAX_OUTPUT_CHARS) return value;
  if (typeof value === 'object' && value !== null && typeof (value as { text?: unknown }).text === 'string') {
    const v = value as { text: string };
    return { ...value, text: `${v.text.slice(0, MAX_OUTPUT_CHARS / 2)}\n[cut]` };
  }
  return `${asText(value).slice(0, MAX_OUTPUT_CHARS / 2)}\n[cut]`;
}

/**
 * Runs a leaf step once: its logged output when it completed before; else `fn` between `step_started` and
 * `step_completed`. A step cut off by a crash runs again only when `repeatable`; otherwise it is marked
 * interrupted and the run stops (it may or may not have happened).
 */
export async function leaf(
  p: Pass,
  key: string,
  repeatable: boolean,
  what: string,
  fn: () => Promise<ScopeValue>,
): Promise<ScopeValue> {
  const done = p.log.completed.get(key);
  if (done) return done;
  if (p.log.cutOff.has(key) && !repeatable) {
    await appendStep(p, 'step_interrupted', key, { what });
    throw new StepFailed(key, { kind: 'interrupted', tool: what });
  }
  await appendStep(p, 'step_started', key, { attempt: (p.log.attempts.get(key) ?? 0) + 1 });
  let out: ScopeValue;
  try {
    out = await fn();
  } catch (err) {
    if (err instanceof StepSuspended) throw err;
    const failure: StepFailure =
      err instanceof StepFailed ? err.reason : { kind: 'tool_error', tool: what, message: toError(err).message };
    await appendStep(p, 'step_failed', key, { kind: failure.kind });
    throw err instanceof StepFailed ? err : new StepFailed(key, failure);
  }
  const value = boundOutput(out.value);
  await appendStep(p, 'step_completed', key, { value, ...(out.untrusted ? { untrusted: out.untrusted } : {}) });
  p.log.completed.set(key, { ...out, value });
  if (out.untrusted) p.taint.add(out.untrusted);
  return { ...out, value };
}

/** What a tool sees when a workflow step calls it: the run's user and chat, a stable turn and call id, the taint. */
export function toolContext(p: Pass, key: string, signal: AbortSignal): ToolContext {
  const { run } = p;
  return {
    userId: run.userId,
    chat: {
      chatId: run.chatId,
      ...(run.topicId !== undefined ? { topicId: run.topicId } : {}),
      type: run.chatType as ToolContext['chat']['type'],
    },
    timezone: run.timezone,
    locale: run.locale === 'ru' ? 'ru' : 'en',
    // A stable turn and call id per step: tools that dedupe by them see a repeat as the same call.
    turnId: `wf:${run.id}`,
    agent: `workflow:${p.wf.name}`,
    callId: key,
    clock: p.deps.clock,
    log: p.deps.log.child({ runId: run.id, step: key }),
    signal,
    turnReadUntrusted: p.taint.size > 0,
    taint: { sources: [...p.taint].map((name) => ({ kind: 'tool' as const, name })), userHosts: p.userHosts },
    progress: () => {},
    suspend: () => {
      throw new StepFailed(key, { kind: 'refused', tool: 'ask_user', reason: 'questions are not part of workflows' });
    },
  };
}
