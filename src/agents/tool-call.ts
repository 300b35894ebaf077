import { AppError, toError } from '../core/errors.ts';
import { telemetry, toolSpanAttrs } from '../core/telemetry.ts';
import type { PendingCall, Resolution } from '../core/turn.ts';
import type { LoopSpec } from './loop-spec.ts';
import { type CallOutcome, abortedError } from './loop-state.ts';
import { processedArgs, processedResult } from './processing-steps.ts';
import type { FrameCall } from './snapshot.ts';
import { type GateDecision, type Tool, type ToolContext, ToolSuspension } from './tool.ts';
import { summarizeResponse, toToolResponse } from './tool-response.ts';
import type { RunContext } from './types.ts';

/** What a tool sees of its call and turn. */
export function toolContext(spec: LoopSpec, call: FrameCall, ctx: RunContext, signal: AbortSignal): ToolContext {
  const agent = spec.name;
  return {
    userId: ctx.request.userId,
    chat: ctx.request.chat,
    timezone: ctx.request.timezone,
    turnId: ctx.request.turnId,
    ...(ctx.request.messageId !== undefined ? { messageId: ctx.request.messageId } : {}),
    agent,
    callId: call.callId,
    turnReadUntrusted: ctx.taint.turnReadUntrusted,
    taint: { sources: [...ctx.taint.sources], userHosts: ctx.taint.userHosts },
    ...(ctx.request.locale ? { locale: ctx.request.locale } : {}),
    clock: ctx.clock,
    log: ctx.log,
    signal,
    progress: (message) => ctx.emit({ type: 'tool-progress', agent, tool: call.name, callId: call.callId, message }),
    suspend(kind, payload) {
      throw new ToolSuspension(kind, payload);
    },
  };
}

/** Runs a validated tool with its timeout; returns the response, or a ToolSuspension. */
async function execute(
  spec: LoopSpec,
  tool: Tool,
  args: unknown,
  call: FrameCall,
  ctx: RunContext,
): Promise<Record<string, unknown> | ToolSuspension> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = tool.timeoutMs ?? ctx.limits.toolTimeoutMs;
  // The deadline sleeps on the turn's clock; `stopTimer` ends that sleep once the tool settles.
  const stopTimer = new AbortController();
  try {
    const timeout = ctx.clock.sleep(timeoutMs, stopTimer.signal).then(() => {
      const err = new AppError('tool_failed', `The tool "${tool.name}" timed out after ${timeoutMs} ms`);
      ac.abort(err);
      throw err;
    });
    // The deadline's own rejection (stopped early) is not an error of the call.
    timeout.catch(() => undefined);
    const value = await Promise.race([
      telemetry().span(`execute_tool ${tool.name}`, toolSpanAttrs(spec.name, tool.name, call.callId), () =>
        Promise.resolve().then(() => tool.execute(args, toolContext(spec, call, ctx, ac.signal))),
      ),
      timeout,
    ]);
    return toToolResponse(value);
  } catch (err) {
    if (err instanceof ToolSuspension) return err;
    if (ctx.signal.aborted) throw abortedError(ctx);
    const e = toError(err);
    ctx.log.warn({ agent: spec.name, tool: tool.name, err: e }, 'tool failed');
    return { error: e.message || `The tool "${tool.name}" failed` };
  } finally {
    stopTimer.abort();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** Emits `tool-start` once per call and `tool-result` with the response. */
function callEvents(spec: LoopSpec, call: FrameCall, ctx: RunContext) {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    ctx.emit({ type: 'tool-start', agent: spec.name, tool: call.name, callId: call.callId, args: call.args });
  };
  const respond = (response: Record<string, unknown>): CallOutcome => {
    start();
    ctx.emit({
      type: 'tool-result',
      agent: spec.name,
      tool: call.name,
      callId: call.callId,
      ok: !('error' in response),
      summary: summarizeResponse(response),
    });
    return { kind: 'response', response };
  };
  return { start, respond };
}

/** The response a person's decision gives a waiting call, or undefined when the tool should run (approved). */
function decidedResponse(
  call: FrameCall,
  resolution: Resolution | undefined,
  waitingKind: 'approval' | 'question' | undefined,
): Record<string, unknown> | undefined {
  if (resolution && waitingKind === 'question') {
    if (resolution.type === 'answer') return { answer: resolution.value };
    if (resolution.type === 'approved') return { answer: 'yes' };
    return { error: `The user did not answer: ${resolution.reason}` };
  }
  if (resolution?.type === 'denied') return { error: `The user denied this action: ${resolution.reason}` };
  if (resolution?.type === 'answer')
    throw new AppError('invalid_input', `Call ${call.callId} waits for an approval, not an answer`);
  return undefined;
}

/** Asks the approval gate; a gate that throws fails closed (the call waits for a person). */
async function askGate(spec: LoopSpec, call: FrameCall, args: unknown, ctx: RunContext): Promise<GateDecision> {
  const gate = spec.options.gate;
  if (!gate) return { action: 'allow' };
  try {
    return await gate.check(
      { agent: spec.name, tool: call.name, args: args as Record<string, unknown> },
      toolContext(spec, call, ctx, ctx.signal),
    );
  } catch (err) {
    // Fail closed: a broken policy must not silently allow a guarded action.
    ctx.log.error(
      { agent: spec.name, tool: call.name, err: toError(err) },
      'approval gate failed; asking the user instead',
    );
    return { action: 'suspend', payload: { reason: 'gate_error' } };
  }
}

function waitingFor(
  spec: LoopSpec,
  call: FrameCall,
  kind: PendingCall['kind'],
  payload: Record<string, unknown>,
): CallOutcome {
  return {
    kind: 'waiting',
    pending: { callId: call.callId, agent: spec.name, tool: call.name, args: call.args, kind, payload },
  };
}

/**
 * Settles one function-tool call: a person's decision (resume), unknown tool or bad arguments (an error for the
 * model), the approval gate, then the tool itself. A tool may suspend the run (`ask_user`).
 */
export async function callTool(
  spec: LoopSpec,
  call: FrameCall,
  ctx: RunContext,
  resolution: Resolution | undefined,
  waitingKind?: 'approval' | 'question',
): Promise<CallOutcome> {
  const { start, respond } = callEvents(spec, call, ctx);
  const decided = decidedResponse(call, resolution, waitingKind);
  if (decided) return respond(decided);

  const tool = spec.tools.get(call.name);
  if (!tool) return respond({ error: `Unknown tool "${call.name}". Available tools: ${spec.toolList || 'none'}.` });
  const parsed = tool.parse(call.args);
  if (!parsed.ok)
    return respond({
      error: `Invalid arguments for ${call.name}: ${parsed.error}. Fix the arguments and call it again.`,
    });

  // The processors run first, so one can stop the turn or redact the arguments before the gate sees them.
  const args = await processedArgs(spec, tool, call, parsed.value, ctx);
  if (!args.ok) return respond({ error: args.error });
  if (!resolution) {
    const decision = await askGate(spec, call, args.value, ctx);
    if (decision.action === 'deny') return respond({ error: `This action is not allowed: ${decision.reason}` });
    if (decision.action === 'suspend') return waitingFor(spec, call, 'approval', decision.payload);
  }

  start();
  const response = await execute(spec, tool, args.value, call, ctx);
  if (response instanceof ToolSuspension) return waitingFor(spec, call, response.kind, response.payload);
  return respond(await processedResult(spec, tool, args.value, response, ctx));
}
