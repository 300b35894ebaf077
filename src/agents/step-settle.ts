import { AppError } from '../core/errors.ts';
import type { PendingCall, Resolution } from '../core/turn.ts';
import type { Part } from '../llm/types.ts';
import type { LoopSpec } from './loop-spec.ts';
import { type CallOutcome, type LoopState, resultOf } from './loop-state.ts';
import { type Frame, type FrameCall, frameSchema } from './snapshot.ts';
import { noteUntrustedResults } from './taint-sources.ts';
import type { AgentResult, RunContext } from './types.ts';

/** A step's outcomes sorted by kind: answered calls, own calls waiting for a person, suspended sub-agents. */
interface SortedOutcomes {
  pending: PendingCall[];
  done: Frame['done'];
  waiting: Frame['waiting'];
  children: Frame['children'];
}

function sortOutcomes(calls: FrameCall[], outcomes: CallOutcome[]): SortedOutcomes {
  const sorted: SortedOutcomes = { pending: [], done: {}, waiting: {}, children: {} };
  outcomes.forEach((o, i) => {
    const callId = (calls[i] as FrameCall).callId;
    if (o.kind === 'response') sorted.done[callId] = o.response;
    else if (o.kind === 'waiting') {
      sorted.waiting[callId] = { kind: o.pending.kind };
      sorted.pending.push(o.pending);
    } else {
      sorted.children[callId] = o.frame;
      sorted.pending.push(...o.pending);
    }
  });
  return sorted;
}

/** Suspends the run: a frame of the step with everything a resume needs. */
function suspended(spec: LoopSpec, calls: FrameCall[], sorted: SortedOutcomes, state: LoopState): AgentResult {
  const frame: Frame = {
    v: 1,
    agent: spec.name,
    contents: state.contents,
    newFrom: state.newFrom,
    step: state.step,
    systemContext: state.systemContext,
    texts: state.texts,
    calls,
    done: sorted.done,
    waiting: sorted.waiting,
    children: sorted.children,
  };
  if (state.grounding) frame.grounding = state.grounding;
  if (state.attachments) frame.attachments = state.attachments;
  const result = resultOf(state, 'suspended', '');
  result.suspension = { snapshot: frame, pending: sorted.pending };
  return result;
}

/** One delegation whose agent answered: its answer is the turn's answer, no second router call. */
function soleDelegatedAnswer(calls: FrameCall[], outcomes: CallOutcome[], state: LoopState): AgentResult | undefined {
  const only = outcomes[0];
  if (
    calls.length !== 1 ||
    only?.kind !== 'response' ||
    !only.delegated ||
    only.delegated.status === 'suspended' ||
    !only.delegated.text.trim()
  )
    return undefined;
  state.contents.push({ role: 'model', parts: [{ text: only.delegated.text }] });
  const result = resultOf(state, only.delegated.status, only.delegated.text);
  if (only.delegated.limit) result.limit = only.delegated.limit;
  return result;
}

/** After a step: suspend, return a single delegated answer directly, or undefined to continue the loop. */
export function settleStep(
  spec: LoopSpec,
  calls: FrameCall[],
  outcomes: CallOutcome[],
  state: LoopState,
  ctx: RunContext,
): AgentResult | undefined {
  const sorted = sortOutcomes(calls, outcomes);
  if (sorted.pending.length > 0) return suspended(spec, calls, sorted, state);
  const { done } = sorted;
  noteUntrustedResults(spec, calls, outcomes, done, ctx);
  const parts: Part[] = calls.map((c) => ({
    functionResponse: c.id
      ? { id: c.id, name: c.name, response: done[c.callId] ?? {} }
      : { name: c.name, response: done[c.callId] ?? {} },
  }));
  state.contents.push({ role: 'user', parts });
  return soleDelegatedAnswer(calls, outcomes, state);
}

/** Collects every pending call id in a frame tree (own waiting calls and those of suspended sub-agents). */
function pendingIds(frame: Frame, out: string[] = []): string[] {
  out.push(...Object.keys(frame.waiting));
  for (const child of Object.values(frame.children)) pendingIds(child, out);
  return out;
}

/** Validates a saved run for this agent: its shape, its owner, and a decision for every pending call. */
export function frameToResume(spec: LoopSpec, snapshot: unknown, resolutions: Record<string, Resolution>): Frame {
  const parsed = frameSchema.safeParse(snapshot);
  if (!parsed.success)
    throw new AppError(
      'invalid_input',
      `The saved run cannot be resumed: ${parsed.error.issues[0]?.message ?? 'invalid snapshot'}`,
    );
  const frame = parsed.data;
  if (frame.agent !== spec.name)
    throw new AppError('invalid_input', `The saved run belongs to agent "${frame.agent}", not "${spec.name}"`);
  const missing = pendingIds(frame).filter((id) => !resolutions[id]);
  if (missing.length > 0)
    throw new AppError('invalid_input', `Cannot resume yet: no decision for call(s) ${missing.join(', ')}`);
  return frame;
}
