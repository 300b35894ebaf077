import type { Resolution } from '../core/turn.ts';
import type { Content, Part } from '../llm/types.ts';
import { type AgentOptions, type LoopSpec, createLoopSpec } from './loop-spec.ts';
import type { LoopState } from './loop-state.ts';
import { runCalls } from './step-calls.ts';
import { runLoop } from './step-loop.ts';
import { frameToResume, settleStep } from './step-settle.ts';
import { type Agent, type AgentInput, type AgentResult, type RunContext, ZERO_USAGE } from './types.ts';

export type { AgentOptions } from './loop-spec.ts';
export { DEFAULT_MAX_TOOL_CALLS_PER_STEP } from './step-calls.ts';
export { MAX_TOOL_RESULT_CHARS, toToolResponse } from './tool-response.ts';

/** Creates a single agent: a tool-calling loop that streams every step. */
export function createAgent(options: AgentOptions): Agent {
  return createLoopAgent(options, []);
}

/** The first state of a run: history plus the user's message (a router gets a note about files, not their bytes). */
function startState(input: AgentInput, isNetwork: boolean): LoopState {
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
  return state;
}

function finish(spec: LoopSpec, result: AgentResult, ctx: RunContext): AgentResult {
  if (result.status === 'suspended') return result;
  const text = ctx.processing ? ctx.processing.redact(result.text) : result.text;
  ctx.emit({ type: 'agent-finish', agent: spec.name, text });
  return result;
}

/** Continues a saved run: settles the step it stopped in with the decisions, then goes on looping. */
async function resumeRun(
  spec: LoopSpec,
  snapshot: unknown,
  resolutions: Record<string, Resolution>,
  ctx: RunContext,
): Promise<AgentResult> {
  const frame = frameToResume(spec, snapshot, resolutions);
  ctx.emit({ type: 'agent-start', agent: spec.name });
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
  const outcomes = await runCalls(spec, frame.calls, state, ctx, frame, resolutions);
  const stop = settleStep(spec, frame.calls, outcomes, state, ctx);
  return finish(spec, stop ?? (await runLoop(spec, state, ctx)), ctx);
}

/**
 * The agent loop. `delegates` turns it into a Network router: each delegate is exposed as the function tool
 * `agent_<name>` with a `task` argument.
 */
export function createLoopAgent(options: AgentOptions, delegates: Agent[]): Agent {
  const fixed = createLoopSpec(options, delegates);
  const { extraTools } = options;
  // Tools that appear later (MCP) are looked up per run; a run keeps the set it started (or resumed) with.
  const specNow = (): LoopSpec =>
    extraTools ? createLoopSpec({ ...options, tools: [...(options.tools ?? []), ...extraTools()] }, delegates) : fixed;
  const isNetwork = fixed.subAgents.size > 0;
  return {
    name: fixed.name,
    description: options.description,
    // Built-in search / URL reading put web text into this agent's answer.
    untrusted: (options.builtinTools?.length ?? 0) > 0,
    async run(input, ctx) {
      const spec = specNow();
      ctx.emit({ type: 'agent-start', agent: spec.name });
      return finish(spec, await runLoop(spec, startState(input, isNetwork), ctx), ctx);
    },
    resume: (snapshot, resolutions, ctx) => resumeRun(specNow(), snapshot, resolutions, ctx),
  };
}
