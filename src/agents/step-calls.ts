import type { Resolution } from '../core/turn.ts';
import { callAgent } from './delegation.ts';
import type { LoopSpec } from './loop-spec.ts';
import type { CallOutcome, LoopState } from './loop-state.ts';
import type { Frame, FrameCall } from './snapshot.ts';
import { callTool } from './tool-call.ts';
import type { RunContext } from './types.ts';

/** Tool calls one model step may run when the roster sets no `limits.maxToolCallsPerStep`; the rest get an error. */
export const DEFAULT_MAX_TOOL_CALLS_PER_STEP = 8;

function maxCallsPerStep(ctx: RunContext): number {
  return ctx.limits.maxToolCallsPerStep ?? DEFAULT_MAX_TOOL_CALLS_PER_STEP;
}

/** The answer to a call beyond the per-step cap: it did not run, and the model may ask again next step. */
function overCapError(max: number, total: number): string {
  return `Not run: one step may make at most ${max} tool calls and this step made ${total}, so only the first ${max} ran. If you still need this call, make it again in your next step.`;
}

/** Settles one call of a resumed step: known answer, resumed sub-agent, decided call, or interrupted. */
function resumeCall(
  spec: LoopSpec,
  call: FrameCall,
  state: LoopState,
  ctx: RunContext,
  frame: Frame,
  resolutions: Record<string, Resolution>,
): Promise<CallOutcome> | CallOutcome {
  const known = frame.done[call.callId];
  if (known) return { kind: 'response', response: known };
  const sub = spec.subAgents.get(call.name);
  const child = frame.children[call.callId];
  if (sub && child) return callAgent(spec, call, sub, state, ctx, { frame: child, resolutions });
  const waiting = frame.waiting[call.callId];
  if (waiting) return callTool(spec, call, ctx, resolutions[call.callId], waiting.kind);
  return { kind: 'response', response: { error: 'This call was interrupted and did not run.' } };
}

/** Settles a step: new calls (no frame) or the pending calls of a resumed frame. Calls run in parallel. */
export function runCalls(
  spec: LoopSpec,
  calls: FrameCall[],
  state: LoopState,
  ctx: RunContext,
  frame?: Frame,
  resolutions?: Record<string, Resolution>,
): Promise<CallOutcome[]> {
  const maxCalls = maxCallsPerStep(ctx);
  if (!frame && calls.length > maxCalls)
    ctx.log.warn(
      { agent: spec.name, calls: calls.length, max: maxCalls },
      'too many tool calls in one step; the extras were refused',
    );
  return Promise.all(
    calls.map((call, index): Promise<CallOutcome> | CallOutcome => {
      if (frame) return resumeCall(spec, call, state, ctx, frame, resolutions ?? {});
      if (index >= maxCalls) return { kind: 'response', response: { error: overCapError(maxCalls, calls.length) } };
      const sub = spec.subAgents.get(call.name);
      return sub ? callAgent(spec, call, sub, state, ctx) : callTool(spec, call, ctx, undefined);
    }),
  );
}
