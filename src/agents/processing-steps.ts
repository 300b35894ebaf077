import type { TurnEvent, TurnOutcome } from '../core/turn.ts';
import type { Content, Part, Usage } from '../llm/types.ts';
import type { LoopSpec } from './loop-spec.ts';
import { type ProcessedCall, ProcessorHalt, type ProcessorVerdict, type TurnProcessing } from './processors.ts';
import type { FrameCall } from './snapshot.ts';
import type { Tool } from './tool.ts';
import type { AgentResult, RunContext } from './types.ts';

/**
 * Applies a processor verdict: its notes become `guard` events (for /why), a halt is thrown as a ProcessorHalt, and
 * the value to go on with is returned.
 */
export function settleVerdict<T>(verdict: ProcessorVerdict<T>, value: T, emit: (event: TurnEvent) => void): T {
  for (const note of verdict.notes ?? []) emit({ type: 'guard', ...note });
  if (verdict.action === 'halt') {
    emit({ type: 'guard', ...verdict.note });
    throw new ProcessorHalt(verdict.reason, verdict.note);
  }
  return verdict.action === 'rewrite' ? verdict.value : value;
}

function processedCall(spec: LoopSpec, tool: Tool, args: Record<string, unknown>): ProcessedCall {
  return { agent: spec.name, tool: tool.name, args, untrusted: tool.untrusted };
}

/**
 * The before-tool-call processors, ahead of the approval gate: the arguments to go on with (rewritten ones replace
 * the call's own, so a prompt and a stored run never hold what was redacted), or an error for the model when a
 * rewrite no longer validates. Throws ProcessorHalt.
 */
export async function processedArgs(
  spec: LoopSpec,
  tool: Tool,
  call: FrameCall,
  args: unknown,
  ctx: RunContext,
): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const { processing } = ctx;
  if (!processing) return { ok: true, value: args };
  const record = args as Record<string, unknown>;
  const verdict = await processing.toolCall(processedCall(spec, tool, record));
  const value = settleVerdict(verdict, record, (e) => ctx.emit(e));
  if (value === record) return { ok: true, value: args };
  const reparsed = tool.parse(value);
  if (!reparsed.ok)
    return { ok: false, error: `Not run: an argument held a secret and was redacted (${reparsed.error}).` };
  call.args = value;
  return reparsed;
}

/** The after-tool-result processors: the response that enters the model's context. Throws ProcessorHalt. */
export async function processedResult(
  spec: LoopSpec,
  tool: Tool,
  args: unknown,
  response: Record<string, unknown>,
  ctx: RunContext,
): Promise<Record<string, unknown>> {
  const { processing } = ctx;
  if (!processing) return response;
  const verdict = await processing.toolResult(processedCall(spec, tool, args as Record<string, unknown>), response);
  return settleVerdict(verdict, response, (e) => ctx.emit(e));
}

/** One model part with the output redactions applied to its text, code or code output. */
function redactPart(p: Part, processing: TurnProcessing): Part {
  if ('text' in p && p.text) return { ...p, text: processing.redact(p.text) };
  if ('executableCode' in p)
    return { ...p, executableCode: { ...p.executableCode, code: processing.redact(p.executableCode.code) } };
  if ('codeExecutionResult' in p && p.codeExecutionResult.output)
    return {
      ...p,
      codeExecutionResult: { ...p.codeExecutionResult, output: processing.redact(p.codeExecutionResult.output) },
    };
  return p;
}

/** The model's text and code parts of `contents` with the output redactions applied (what is stored with the answer). */
export function redactContents(contents: Content[] | undefined, processing: TurnProcessing): Content[] | undefined {
  if (!contents) return contents;
  return contents.map((c) => (c.role !== 'model' ? c : { ...c, parts: c.parts.map((p) => redactPart(p, processing)) }));
}

/** A turn a processor stopped: its reason is the answer (usage is what the turn had spent). */
export function haltedResult(halt: ProcessorHalt, usage: Usage): AgentResult {
  return { status: 'done', text: halt.reason, usage, contents: [{ role: 'model', parts: [{ text: halt.reason }] }] };
}

/**
 * The before-answer processors on a finished turn's outcome: the text is rewritten (and the stored model text
 * redacted alike), or replaced by the reason when a processor halts. Notes go to `observe`.
 */
export async function processOutcome(
  processing: TurnProcessing,
  outcome: TurnOutcome,
  observe: (event: TurnEvent) => void,
): Promise<void> {
  if (!outcome.text.trim()) return;
  const verdict = await processing.output(outcome.text);
  try {
    outcome.text = settleVerdict(verdict, outcome.text, observe);
  } catch (err) {
    if (!(err instanceof ProcessorHalt)) throw err;
    outcome.text = err.reason;
    outcome.contents = [{ role: 'model', parts: [{ text: err.reason }] }];
    // A halted answer is replaced whole: nothing it made goes out with the reason.
    delete outcome.files;
    delete outcome.code;
    return;
  }
  const contents = redactContents(outcome.contents, processing);
  if (contents) outcome.contents = contents;
  if (outcome.code)
    outcome.code = outcome.code.map((r) => ({
      ...r,
      code: processing.redact(r.code),
      ...(r.output ? { output: processing.redact(r.output) } : {}),
    }));
}
