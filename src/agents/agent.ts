import { AppError, LlmError, toError } from '../core/errors.ts';
import type { Attachment, PendingCall, Resolution } from '../core/turn.ts';
import type { Content, GenerateRequest, GenerateResult, Grounding, Llm, Part, ToolDeclaration } from '../llm/types.ts';
import { type Frame, type FrameCall, frameSchema } from './snapshot.ts';
import { type GateDecision, type Tool, type ToolContext, type ToolGate, ToolSuspension } from './tool.ts';
import { type Agent, type AgentInput, type AgentResult, type RunContext, ZERO_USAGE, addUsage } from './types.ts';

/** Longest tool result (in characters of JSON) the model sees; the rest is cut with a note. */
export const MAX_TOOL_RESULT_CHARS = 20_000;
/** Tool calls one model step may run when the roster sets no `limits.maxToolCallsPerStep`; the rest get an error. */
export const DEFAULT_MAX_TOOL_CALLS_PER_STEP = 8;
/** How many recent text turns a sub-agent sees besides its task. */
const SUB_AGENT_HISTORY = 8;

export interface AgentOptions {
  name: string;
  description: string;
  model: string;
  instructions: string;
  tools?: Tool[];
  /** Provider-side tools (search grounding, URL context); Gemini can't mix them with function tools. */
  builtinTools?: ('google_search' | 'url_context')[];
  llm: Llm;
  /** Approval gate asked before every tool call; none means allow. */
  gate?: ToolGate;
  temperature?: number;
  maxOutputTokens?: number;
}

/** The tool schema a sub-agent has in the router's eyes. */
const TASK_PARAMETERS: Record<string, unknown> = {
  type: 'object',
  properties: {
    task: {
      type: 'string',
      description:
        "The user's request for this agent, standing on its own: resolve references like 'it' or 'yes, do that' from the conversation, otherwise keep the user's wording and language.",
    },
  },
  required: ['task'],
};

/** Mutable state of one agent run. */
interface LoopState {
  contents: Content[];
  newFrom: number;
  step: number;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  texts: string[];
  systemContext: string;
  grounding?: Grounding;
  attachments?: Attachment[];
}

type CallOutcome =
  | { kind: 'response'; response: Record<string, unknown>; delegated?: AgentResult }
  | { kind: 'waiting'; pending: PendingCall }
  | { kind: 'child'; frame: Frame; pending: PendingCall[] };

function mergeGrounding(a: Grounding | undefined, b: Grounding | undefined): Grounding | undefined {
  if (!b) return a;
  if (!a) return { sources: [...b.sources], queries: [...b.queries] };
  const seen = new Set(a.sources.map((s) => s.uri));
  for (const s of b.sources) if (!seen.has(s.uri)) a.sources.push(s);
  for (const q of b.queries) if (!a.queries.includes(q)) a.queries.push(q);
  return a;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Turns a tool's return value into a JSON-safe functionResponse, truncated to MAX_TOOL_RESULT_CHARS. */
export function toToolResponse(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return { result: 'done' };
  if (typeof value === 'string') {
    return value.length > MAX_TOOL_RESULT_CHARS
      ? {
          result: `${value.slice(0, MAX_TOOL_RESULT_CHARS)}\n\n[output truncated — the original was ${value.length} characters]`,
        }
      : { result: value };
  }
  let json: string;
  try {
    json = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? '"done"';
  } catch (err) {
    return { error: `The tool returned a value that cannot be sent to the model: ${toError(err).message}` };
  }
  if (json.length > MAX_TOOL_RESULT_CHARS)
    return {
      result: `${json.slice(0, MAX_TOOL_RESULT_CHARS)}\n\n[output truncated — the original was ${json.length} characters]`,
    };
  const plain = JSON.parse(json) as unknown;
  return isPlainObject(plain) ? plain : { result: plain };
}

function summarize(response: Record<string, unknown>): string {
  const text = typeof response.error === 'string' ? response.error : JSON.stringify(response.result ?? response);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** Text-only view of recent history for a sub-agent: no tool calls of other agents, no thought signatures. */
function textHistory(contents: Content[], max: number): Content[] {
  const out: Content[] = [];
  for (const c of contents) {
    const parts: Part[] = [];
    for (const p of c.parts) if ('text' in p && !p.thought && p.text.trim()) parts.push({ text: p.text });
    if (parts.length > 0) out.push({ role: c.role, parts });
  }
  const recent = out.slice(-max);
  while (recent.length > 0 && recent[0]?.role !== 'user') recent.shift();
  return recent;
}

function emptyAnswerText(finishReason: string | undefined): string {
  if (finishReason && /SAFETY|PROHIBITED|BLOCKLIST|SPII|RECITATION/.test(finishReason))
    return "I can't help with that request. Could you ask it differently?";
  return "I couldn't come up with an answer to that. Could you rephrase it or add a bit more detail?";
}

function abortedError(ctx: RunContext): AppError {
  return new AppError('aborted', 'The turn was stopped', { cause: ctx.signal.reason });
}

function maxCallsPerStep(ctx: RunContext): number {
  return ctx.limits.maxToolCallsPerStep ?? DEFAULT_MAX_TOOL_CALLS_PER_STEP;
}

/** The answer to a call beyond the per-step cap: it did not run, and the model may ask again next step. */
function overCapError(max: number, total: number): string {
  return `Not run: one step may make at most ${max} tool calls and this step made ${total}, so only the first ${max} ran. If you still need this call, make it again in your next step.`;
}

/** Collects every pending call id in a frame tree (own waiting calls and those of suspended sub-agents). */
function pendingIds(frame: Frame, out: string[] = []): string[] {
  out.push(...Object.keys(frame.waiting));
  for (const child of Object.values(frame.children)) pendingIds(child, out);
  return out;
}

/** Creates a single agent: a tool-calling loop that streams every step. */
export function createAgent(options: AgentOptions): Agent {
  return createLoopAgent(options, []);
}

/**
 * The agent loop. `delegates` turns it into a Network router: each delegate is exposed as the function tool
 * `agent_<name>` with a `task` argument.
 */
export function createLoopAgent(options: AgentOptions, delegates: Agent[]): Agent {
  const { name, llm, gate } = options;
  const tools = new Map<string, Tool>();
  for (const t of options.tools ?? []) {
    if (tools.has(t.name)) throw new Error(`Agent "${name}" lists tool "${t.name}" twice`);
    tools.set(t.name, t);
  }
  const subAgents = new Map<string, Agent>();
  for (const a of [...delegates].sort((x, y) => x.name.localeCompare(y.name))) {
    const toolName = `agent_${a.name}`;
    if (subAgents.has(toolName)) throw new Error(`Network "${name}" has two agents named "${a.name}"`);
    subAgents.set(toolName, a);
  }
  const isNetwork = subAgents.size > 0;
  const declarations: ToolDeclaration[] = [
    ...[...tools.values()].map((t) => t.declaration),
    ...[...subAgents.entries()].map(([toolName, a]) => ({
      name: toolName,
      description: a.description,
      parameters: TASK_PARAMETERS,
    })),
  ];
  if ((options.builtinTools?.length ?? 0) > 0 && declarations.length > 0)
    throw new Error(`Agent "${name}": Gemini cannot combine builtinTools with function tools or sub-agents`);
  const toolList = [...tools.keys(), ...subAgents.keys()].join(', ');

  function systemFor(ctx: RunContext, systemContext: string): string {
    let system = `${options.instructions}\n\n${ctx.nowText}`;
    if (systemContext) system += `\n\n${systemContext}`;
    return system;
  }

  async function callModel(state: LoopState, ctx: RunContext, system: string): Promise<GenerateResult> {
    const req: GenerateRequest = {
      model: options.model,
      system,
      contents: state.contents,
      timeoutMs: ctx.limits.llmTimeoutMs,
      signal: ctx.signal,
    };
    if (declarations.length > 0) req.tools = declarations;
    if (options.builtinTools && options.builtinTools.length > 0) req.builtinTools = options.builtinTools;
    if (options.temperature !== undefined) req.temperature = options.temperature;
    if (options.maxOutputTokens !== undefined) req.maxOutputTokens = options.maxOutputTokens;
    let result: GenerateResult | undefined;
    for await (const chunk of llm.stream(req)) {
      if (chunk.type === 'text-delta') ctx.emit({ type: 'text-delta', agent: name, text: chunk.text });
      else result = chunk.result;
    }
    if (!result) throw new LlmError('llm_malformed', 'The model stream ended without a result');
    return result;
  }

  function resultOf(state: LoopState, status: AgentResult['status'], text: string): AgentResult {
    const result: AgentResult = { status, text, usage: state.usage, contents: state.contents.slice(state.newFrom) };
    if (state.grounding) result.grounding = state.grounding;
    return result;
  }

  function limitResult(state: LoopState, kind: 'steps' | 'budget', ctx: RunContext): AgentResult {
    const partial = state.texts.join('\n\n').trim();
    const note =
      kind === 'steps'
        ? `I stopped after ${state.step} steps before finishing. Say "continue" and I'll pick up where I left off.`
        : `I stopped because this request used up its processing budget (${ctx.budget.limitTokens.toLocaleString('en-US')} tokens). Say "continue" to keep going, or ask for something smaller.`;
    const text = partial ? `${partial}\n\n${note}` : note;
    ctx.log.warn(
      { agent: name, limit: kind, steps: state.step, tokens: ctx.budget.used.totalTokens },
      'agent hit a limit',
    );
    state.contents.push({ role: 'model', parts: [{ text }] });
    const result = resultOf(state, 'limit', text);
    result.limit = kind;
    return result;
  }

  function toolContext(call: FrameCall, ctx: RunContext, signal: AbortSignal): ToolContext {
    return {
      userId: ctx.request.userId,
      chat: ctx.request.chat,
      timezone: ctx.request.timezone,
      turnId: ctx.request.turnId,
      agent: name,
      callId: call.callId,
      turnReadUntrusted: ctx.taint.turnReadUntrusted,
      clock: ctx.clock,
      log: ctx.log,
      signal,
      progress: (message) =>
        ctx.emit({ type: 'tool-progress', agent: name, tool: call.name, callId: call.callId, message }),
      suspend(kind, payload) {
        throw new ToolSuspension(kind, payload);
      },
    };
  }

  /** Runs a validated tool with its timeout; returns the response, or a ToolSuspension. */
  async function execute(
    tool: Tool,
    args: unknown,
    call: FrameCall,
    ctx: RunContext,
  ): Promise<Record<string, unknown> | ToolSuspension> {
    const ac = new AbortController();
    const onAbort = () => ac.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = tool.timeoutMs ?? ctx.limits.toolTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new AppError('tool_failed', `The tool "${tool.name}" timed out after ${timeoutMs} ms`);
          ac.abort(err);
          reject(err);
        }, timeoutMs);
      });
      const value = await Promise.race([
        Promise.resolve().then(() => tool.execute(args, toolContext(call, ctx, ac.signal))),
        timeout,
      ]);
      return toToolResponse(value);
    } catch (err) {
      if (err instanceof ToolSuspension) return err;
      if (ctx.signal.aborted) throw abortedError(ctx);
      const e = toError(err);
      ctx.log.warn({ agent: name, tool: tool.name, err: e }, 'tool failed');
      return { error: e.message || `The tool "${tool.name}" failed` };
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  async function callTool(
    call: FrameCall,
    ctx: RunContext,
    resolution: Resolution | undefined,
    waitingKind?: 'approval' | 'question',
  ): Promise<CallOutcome> {
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      ctx.emit({ type: 'tool-start', agent: name, tool: call.name, callId: call.callId, args: call.args });
    };
    const respond = (response: Record<string, unknown>): CallOutcome => {
      start();
      ctx.emit({
        type: 'tool-result',
        agent: name,
        tool: call.name,
        callId: call.callId,
        ok: !('error' in response),
        summary: summarize(response),
      });
      return { kind: 'response', response };
    };
    if (resolution && waitingKind === 'question') {
      if (resolution.type === 'answer') return respond({ answer: resolution.value });
      if (resolution.type === 'approved') return respond({ answer: 'yes' });
      return respond({ error: `The user did not answer: ${resolution.reason}` });
    }
    if (resolution?.type === 'denied') return respond({ error: `The user denied this action: ${resolution.reason}` });
    if (resolution?.type === 'answer')
      throw new AppError('invalid_input', `Call ${call.callId} waits for an approval, not an answer`);

    const tool = tools.get(call.name);
    if (!tool) return respond({ error: `Unknown tool "${call.name}". Available tools: ${toolList || 'none'}.` });
    const parsed = tool.parse(call.args);
    if (!parsed.ok)
      return respond({
        error: `Invalid arguments for ${call.name}: ${parsed.error}. Fix the arguments and call it again.`,
      });

    if (gate && !resolution) {
      let decision: GateDecision;
      try {
        decision = await gate.check(
          { agent: name, tool: call.name, args: parsed.value as Record<string, unknown> },
          toolContext(call, ctx, ctx.signal),
        );
      } catch (err) {
        // Fail closed: a broken policy must not silently allow a guarded action.
        ctx.log.error(
          { agent: name, tool: call.name, err: toError(err) },
          'approval gate failed; asking the user instead',
        );
        decision = { action: 'suspend', payload: { reason: 'gate_error' } };
      }
      if (decision.action === 'deny') return respond({ error: `This action is not allowed: ${decision.reason}` });
      if (decision.action === 'suspend')
        return {
          kind: 'waiting',
          pending: {
            callId: call.callId,
            agent: name,
            tool: call.name,
            args: call.args,
            kind: 'approval',
            payload: decision.payload,
          },
        };
    }

    start();
    const response = await execute(tool, parsed.value, call, ctx);
    if (response instanceof ToolSuspension)
      return {
        kind: 'waiting',
        pending: {
          callId: call.callId,
          agent: name,
          tool: call.name,
          args: call.args,
          kind: response.kind,
          payload: response.payload,
        },
      };
    return respond(response);
  }

  async function callAgent(
    call: FrameCall,
    sub: Agent,
    state: LoopState,
    ctx: RunContext,
    resume?: { frame: Frame; resolutions: Record<string, Resolution> },
  ): Promise<CallOutcome> {
    const task = typeof call.args.task === 'string' ? call.args.task.trim() : '';
    if (!resume && !task)
      return { kind: 'response', response: { error: 'Missing "task": pass the user\'s request as a string.' } };
    if (!resume) ctx.emit({ type: 'routing', from: name, to: sub.name, task });
    try {
      const res = resume
        ? await sub.resume(resume.frame, resume.resolutions, ctx)
        : await sub.run(
            {
              history: textHistory(state.contents.slice(0, state.newFrom - 1), SUB_AGENT_HISTORY),
              text: task,
              attachments: state.attachments,
              systemContext: state.systemContext,
            },
            ctx,
          );
      addUsage(state.usage, res.usage);
      state.grounding = mergeGrounding(state.grounding, res.grounding);
      if (res.status === 'suspended' && res.suspension)
        return { kind: 'child', frame: res.suspension.snapshot as Frame, pending: res.suspension.pending };
      if (!res.text.trim())
        return { kind: 'response', response: { error: `The ${sub.name} agent returned no answer.` }, delegated: res };
      return { kind: 'response', response: { result: res.text }, delegated: res };
    } catch (err) {
      if (ctx.signal.aborted) throw abortedError(ctx);
      if (err instanceof AppError && err.code === 'invalid_input') throw err;
      const e = toError(err);
      ctx.log.warn({ agent: name, subAgent: sub.name, err: e }, 'sub-agent failed');
      return { kind: 'response', response: { error: `The ${sub.name} agent failed: ${e.message}` } };
    }
  }

  /** Settles a step: new calls (no frame) or the pending calls of a resumed frame. */
  async function runCalls(
    calls: FrameCall[],
    state: LoopState,
    ctx: RunContext,
    frame?: Frame,
    resolutions?: Record<string, Resolution>,
  ): Promise<CallOutcome[]> {
    const maxCalls = maxCallsPerStep(ctx);
    if (!frame && calls.length > maxCalls)
      ctx.log.warn(
        { agent: name, calls: calls.length, max: maxCalls },
        'too many tool calls in one step; the extras were refused',
      );
    return Promise.all(
      calls.map((call, index): Promise<CallOutcome> | CallOutcome => {
        const known = frame?.done[call.callId];
        if (known) return { kind: 'response', response: known };
        const sub = subAgents.get(call.name);
        const child = frame?.children[call.callId];
        if (sub && child) return callAgent(call, sub, state, ctx, { frame: child, resolutions: resolutions ?? {} });
        const waiting = frame?.waiting[call.callId];
        if (waiting) return callTool(call, ctx, resolutions?.[call.callId], waiting.kind);
        if (frame) return { kind: 'response', response: { error: 'This call was interrupted and did not run.' } };
        if (index >= maxCalls) return { kind: 'response', response: { error: overCapError(maxCalls, calls.length) } };
        return sub ? callAgent(call, sub, state, ctx) : callTool(call, ctx, undefined);
      }),
    );
  }

  /** A call whose result carries outside text: an `untrusted` tool or a sub-agent with web tools. */
  const readsUntrusted = (toolName: string): boolean =>
    tools.get(toolName)?.untrusted === true || subAgents.get(toolName)?.untrusted === true;

  /** After a step: suspend, return a single delegated answer directly, or undefined to continue the loop. */
  function afterStep(
    calls: FrameCall[],
    outcomes: CallOutcome[],
    state: LoopState,
    ctx: RunContext,
  ): AgentResult | undefined {
    const pending: PendingCall[] = [];
    const done: Record<string, Record<string, unknown>> = {};
    const waiting: Frame['waiting'] = {};
    const children: Frame['children'] = {};
    outcomes.forEach((o, i) => {
      const callId = (calls[i] as FrameCall).callId;
      if (o.kind === 'response') done[callId] = o.response;
      else if (o.kind === 'waiting') {
        waiting[callId] = { kind: o.pending.kind };
        pending.push(o.pending);
      } else {
        children[callId] = o.frame;
        pending.push(...o.pending);
      }
    });
    if (pending.length > 0) {
      const frame: Frame = {
        v: 1,
        agent: name,
        contents: state.contents,
        newFrom: state.newFrom,
        step: state.step,
        systemContext: state.systemContext,
        texts: state.texts,
        calls,
        done,
        waiting,
        children,
      };
      if (state.grounding) frame.grounding = state.grounding;
      if (state.attachments) frame.attachments = state.attachments;
      const result = resultOf(state, 'suspended', '');
      result.suspension = { snapshot: frame, pending };
      return result;
    }
    // Marked when the results enter the context, so calls made in the same step (without seeing them) are judged alike.
    if (calls.some((c) => done[c.callId] && readsUntrusted(c.name))) ctx.taint.turnReadUntrusted = true;
    const parts: Part[] = calls.map((c) => ({
      functionResponse: c.id
        ? { id: c.id, name: c.name, response: done[c.callId] ?? {} }
        : { name: c.name, response: done[c.callId] ?? {} },
    }));
    state.contents.push({ role: 'user', parts });
    // One delegation whose agent answered: its answer is the turn's answer, no second router call.
    const only = outcomes[0];
    if (
      calls.length === 1 &&
      only?.kind === 'response' &&
      only.delegated &&
      only.delegated.status !== 'suspended' &&
      only.delegated.text.trim()
    ) {
      state.contents.push({ role: 'model', parts: [{ text: only.delegated.text }] });
      const result = resultOf(state, only.delegated.status, only.delegated.text);
      if (only.delegated.limit) result.limit = only.delegated.limit;
      return result;
    }
    return undefined;
  }

  async function loop(state: LoopState, ctx: RunContext, system: string): Promise<AgentResult> {
    let emptyRetried = false;
    for (;;) {
      if (ctx.signal.aborted) throw abortedError(ctx);
      if (state.step >= ctx.limits.maxSteps) return limitResult(state, 'steps', ctx);
      if (ctx.budget.used.totalTokens >= ctx.budget.limitTokens) return limitResult(state, 'budget', ctx);
      const result = await callModel(state, ctx, system);
      state.step++;
      addUsage(state.usage, result.usage);
      addUsage(ctx.budget.used, result.usage);
      ctx.emit({ type: 'usage', agent: name, usage: result.usage });
      state.grounding = mergeGrounding(state.grounding, result.grounding);

      if (result.functionCalls.length === 0) {
        if (result.text.trim()) {
          state.contents.push(result.content);
          return resultOf(state, 'done', result.text);
        }
        if (!emptyRetried) {
          emptyRetried = true;
          ctx.log.warn({ agent: name, finishReason: result.finishReason }, 'empty model answer, asking once more');
          continue;
        }
        const text = emptyAnswerText(result.finishReason);
        state.contents.push({ role: 'model', parts: [{ text }] });
        return resultOf(state, 'done', text);
      }

      if (result.text.trim()) state.texts.push(result.text.trim());
      state.contents.push(result.content);
      const calls: FrameCall[] = result.functionCalls.map((fc) => {
        const call: FrameCall = { callId: ctx.newId(), name: fc.name, args: fc.args };
        if (fc.id) call.id = fc.id;
        return call;
      });
      const outcomes = await runCalls(calls, state, ctx);
      const stop = afterStep(calls, outcomes, state, ctx);
      if (stop) return stop;
    }
  }

  function finish(result: AgentResult, ctx: RunContext): AgentResult {
    if (result.status !== 'suspended') ctx.emit({ type: 'agent-finish', agent: name, text: result.text });
    return result;
  }

  return {
    name,
    description: options.description,
    // Built-in search / URL reading put web text into this agent's answer.
    untrusted: (options.builtinTools?.length ?? 0) > 0,

    async run(input: AgentInput, ctx: RunContext): Promise<AgentResult> {
      ctx.emit({ type: 'agent-start', agent: name });
      const attachments = input.attachments ?? [];
      const parts: Part[] = [];
      let text = input.text.trim();
      if (isNetwork && attachments.length > 0) {
        // The router only needs to know files exist; the agent it picks gets the bytes.
        const list = attachments.map((a) => `${a.name ?? 'file'} (${a.mimeType})`).join(', ');
        text = `${text}\n\n[Attached: ${list}]`.trim();
      }
      if (text) parts.push({ text });
      if (!isNetwork) for (const a of attachments) parts.push({ inlineData: { mimeType: a.mimeType, data: a.data } });
      if (parts.length === 0) parts.push({ text: '(empty message)' });
      const contents: Content[] = [...input.history, { role: 'user', parts }];
      const state: LoopState = {
        contents,
        newFrom: contents.length,
        step: 0,
        usage: { ...ZERO_USAGE },
        texts: [],
        systemContext: input.systemContext ?? '',
      };
      if (isNetwork && attachments.length > 0) state.attachments = attachments;
      return finish(await loop(state, ctx, systemFor(ctx, state.systemContext)), ctx);
    },

    async resume(snapshot: unknown, resolutions: Record<string, Resolution>, ctx: RunContext): Promise<AgentResult> {
      const parsed = frameSchema.safeParse(snapshot);
      if (!parsed.success)
        throw new AppError(
          'invalid_input',
          `The saved run cannot be resumed: ${parsed.error.issues[0]?.message ?? 'invalid snapshot'}`,
        );
      const frame = parsed.data;
      if (frame.agent !== name)
        throw new AppError('invalid_input', `The saved run belongs to agent "${frame.agent}", not "${name}"`);
      const missing = pendingIds(frame).filter((id) => !resolutions[id]);
      if (missing.length > 0)
        throw new AppError('invalid_input', `Cannot resume yet: no decision for call(s) ${missing.join(', ')}`);
      ctx.emit({ type: 'agent-start', agent: name });
      const state: LoopState = {
        contents: frame.contents,
        newFrom: frame.newFrom,
        step: frame.step,
        usage: { ...ZERO_USAGE },
        texts: frame.texts,
        systemContext: frame.systemContext,
      };
      if (frame.grounding) state.grounding = frame.grounding;
      if (frame.attachments) state.attachments = frame.attachments;
      const outcomes = await runCalls(frame.calls, state, ctx, frame, resolutions);
      const stop = afterStep(frame.calls, outcomes, state, ctx);
      if (stop) return finish(stop, ctx);
      return finish(await loop(state, ctx, systemFor(ctx, state.systemContext)), ctx);
    },
  };
}
