import { AppError, toError } from '../core/errors.ts';
import { telemetry, toolSpanAttrs } from '../core/telemetry.ts';
import type { Resolution } from '../core/turn.ts';
import type { Content, Part } from '../llm/types.ts';
import { mergeCodeWork } from './code-work.ts';
import type { LoopSpec } from './loop-spec.ts';
import { type CallOutcome, type LoopState, abortedError, mergeGrounding } from './loop-state.ts';
import { ProcessorHalt } from './processors.ts';
import type { Frame, FrameCall } from './snapshot.ts';
import { webDelegationRefusal } from './taint.ts';
import { type Agent, type AgentResult, type RunContext, addUsage } from './types.ts';

/** How many recent text turns a sub-agent sees besides its task. */
const SUB_AGENT_HISTORY = 8;

/** Text-only view of recent history for a sub-agent: no tool calls of other agents, no thought signatures. */
export function textHistory(contents: Content[], max: number): Content[] {
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

/** A sub-agent's result as the outcome of the router's `agent_<name>` call. */
function delegatedOutcome(sub: Agent, res: AgentResult, state: LoopState): CallOutcome {
  addUsage(state.usage, res.usage);
  state.grounding = mergeGrounding(state.grounding, res.grounding);
  state.code = mergeCodeWork(state.code, res.code);
  if (res.status === 'suspended' && res.suspension)
    return { kind: 'child', frame: res.suspension.snapshot as Frame, pending: res.suspension.pending };
  if (!res.text.trim())
    return { kind: 'response', response: { error: `The ${sub.name} agent returned no answer.` }, delegated: res };
  return { kind: 'response', response: { result: res.text }, delegated: res };
}

/** A suspended sub-agent run to continue, with the decisions for its pending calls. */
export interface ChildResume {
  frame: Frame;
  resolutions: Record<string, Resolution>;
}

/**
 * Runs (or resumes) a sub-agent for the router's `agent_<name>` call. Its failure becomes an error for the router;
 * a stopped turn or an invalid resume is thrown.
 */
export async function callAgent(
  spec: LoopSpec,
  call: FrameCall,
  sub: Agent,
  state: LoopState,
  ctx: RunContext,
  resume?: ChildResume,
): Promise<CallOutcome> {
  const task = typeof call.args.task === 'string' ? call.args.task.trim() : '';
  if (!resume && !task)
    return { kind: 'response', response: { error: 'Missing "task": pass the user\'s request as a string.' } };
  const refusal = !resume && sub.untrusted ? webDelegationRefusal(task, ctx.taint) : undefined;
  if (refusal) return { kind: 'response', response: { error: refusal } };
  if (!resume) ctx.emit({ type: 'routing', from: spec.name, to: sub.name, task });
  try {
    const res = await telemetry().span(
      `execute_tool ${call.name}`,
      toolSpanAttrs(spec.name, call.name, call.callId),
      () =>
        resume
          ? sub.resume(resume.frame, resume.resolutions, ctx)
          : sub.run(
              {
                history: textHistory(state.contents.slice(0, state.newFrom - 1), SUB_AGENT_HISTORY),
                text: task,
                attachments: state.attachments,
                systemContext: state.systemContext,
              },
              ctx,
            ),
    );
    return delegatedOutcome(sub, res, state);
  } catch (err) {
    if (ctx.signal.aborted) throw abortedError(ctx);
    if ((err instanceof AppError && err.code === 'invalid_input') || err instanceof ProcessorHalt) throw err;
    const e = toError(err);
    ctx.log.warn({ agent: spec.name, subAgent: sub.name, err: e }, 'sub-agent failed');
    return { kind: 'response', response: { error: `The ${sub.name} agent failed: ${e.message}` } };
  }
}
