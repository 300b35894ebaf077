import { LlmError } from '../core/errors.ts';
import { DEFAULT_LOCALE } from '../i18n/locale.ts';
import type { GenerateRequest, GenerateResult } from '../llm/types.ts';
import { agentTexts } from './agent-texts.ts';
import { addCodeWork } from './code-work.ts';
import type { LoopSpec } from './loop-spec.ts';
import { type LoopState, abortedError, mergeGrounding, resultOf } from './loop-state.ts';
import type { FrameCall } from './snapshot.ts';
import { runCalls } from './step-calls.ts';
import { settleStep } from './step-settle.ts';
import { type AgentResult, type RunContext, addUsage } from './types.ts';

/** The agent's system instruction: its prompt, the time line, then facts and recall. */
export function systemFor(spec: LoopSpec, ctx: RunContext, systemContext: string): string {
  let system = `${spec.options.instructions}\n\n${ctx.nowText}`;
  // How untrusted content is marked, for agents whose tools read it (static, so the instruction stays cacheable).
  const note = ctx.processing?.dataNote;
  if (note && [...spec.tools.values()].some((t) => t.untrusted)) system += `\n\n${note}`;
  if (systemContext) system += `\n\n${systemContext}`;
  return system;
}

/** One model step, streamed: text deltas are emitted as they arrive. */
async function callModel(spec: LoopSpec, state: LoopState, ctx: RunContext, system: string): Promise<GenerateResult> {
  const { options } = spec;
  const req: GenerateRequest = {
    model: options.model,
    system,
    contents: state.contents,
    timeoutMs: ctx.limits.llmTimeoutMs,
    signal: ctx.signal,
    accountTo: { agent: spec.name },
  };
  if (spec.declarations.length > 0) req.tools = spec.declarations;
  if (options.builtinTools && options.builtinTools.length > 0) req.builtinTools = options.builtinTools;
  if (options.temperature !== undefined) req.temperature = options.temperature;
  if (options.maxOutputTokens !== undefined) req.maxOutputTokens = options.maxOutputTokens;
  let result: GenerateResult | undefined;
  // Streamed text is shown as it comes: the guards' filter holds back what may be the start of a secret.
  const filter = ctx.processing?.streamFilter();
  const show = (text: string) => {
    if (text) ctx.emit({ type: 'text-delta', agent: spec.name, text });
  };
  for await (const chunk of options.llm.stream(req)) {
    if (chunk.type === 'text-delta') show(filter ? filter.push(chunk.text) : chunk.text);
    else result = chunk.result;
  }
  if (filter) show(filter.end());
  if (!result) throw new LlmError('llm_malformed', 'The model stream ended without a result');
  return result;
}

function limitResult(spec: LoopSpec, state: LoopState, kind: 'steps' | 'budget', ctx: RunContext): AgentResult {
  const partial = state.texts.join('\n\n').trim();
  const t = agentTexts(ctx.request.locale ?? DEFAULT_LOCALE);
  const note =
    kind === 'steps'
      ? t.stoppedAfterSteps({ steps: state.step })
      : t.stoppedAtBudget({ tokens: ctx.budget.limitTokens });
  const text = partial ? `${partial}\n\n${note}` : note;
  ctx.log.warn(
    { agent: spec.name, limit: kind, steps: state.step, tokens: ctx.budget.used.totalTokens },
    'agent hit a limit',
  );
  state.contents.push({ role: 'model', parts: [{ text }] });
  const result = resultOf(state, 'limit', text);
  result.limit = kind;
  return result;
}

function emptyAnswerText(finishReason: string | undefined, ctx: RunContext): string {
  const t = agentTexts(ctx.request.locale ?? DEFAULT_LOCALE);
  if (finishReason && /SAFETY|PROHIBITED|BLOCKLIST|SPII|RECITATION/.test(finishReason)) return t.refused;
  return t.noAnswer;
}

/** Counts a step's usage against the run and the turn budget. */
function account(spec: LoopSpec, state: LoopState, ctx: RunContext, result: GenerateResult): void {
  state.step++;
  addUsage(state.usage, result.usage);
  addUsage(ctx.budget.used, result.usage);
  ctx.emit({ type: 'usage', agent: spec.name, usage: result.usage });
  state.grounding = mergeGrounding(state.grounding, result.grounding);
  state.code = addCodeWork(state.code, result.content.parts);
}

function callsOf(result: GenerateResult, ctx: RunContext): FrameCall[] {
  return result.functionCalls.map((fc) => {
    const call: FrameCall = { callId: ctx.newId(), name: fc.name, args: fc.args };
    if (fc.id) call.id = fc.id;
    return call;
  });
}

/**
 * The step loop: call the model, run the tools it asked for, repeat until it answers in text, a limit hits, or a call
 * waits for a person. An empty answer is asked for once more, then replaced by a short apology.
 */
export async function runLoop(spec: LoopSpec, state: LoopState, ctx: RunContext): Promise<AgentResult> {
  const system = systemFor(spec, ctx, state.systemContext);
  let emptyRetried = false;
  for (;;) {
    if (ctx.signal.aborted) throw abortedError(ctx);
    if (state.step >= ctx.limits.maxSteps) return limitResult(spec, state, 'steps', ctx);
    if (ctx.budget.used.totalTokens >= ctx.budget.limitTokens) return limitResult(spec, state, 'budget', ctx);
    const result = await callModel(spec, state, ctx, system);
    account(spec, state, ctx, result);

    if (result.functionCalls.length === 0) {
      if (result.text.trim()) {
        state.contents.push(result.content);
        return resultOf(state, 'done', result.text);
      }
      if (!emptyRetried) {
        emptyRetried = true;
        ctx.log.warn({ agent: spec.name, finishReason: result.finishReason }, 'empty model answer, asking once more');
        continue;
      }
      const text = emptyAnswerText(result.finishReason, ctx);
      state.contents.push({ role: 'model', parts: [{ text }] });
      return resultOf(state, 'done', text);
    }

    if (result.text.trim()) state.texts.push(result.text.trim());
    state.contents.push(result.content);
    const calls = callsOf(result, ctx);
    const stop = settleStep(spec, calls, await runCalls(spec, calls, state, ctx), state, ctx);
    if (stop) return stop;
  }
}
