import type { GateDecision, Tool } from '../agents/tool.ts';
import { toError } from '../core/errors.ts';
import type { ToolStep } from './definition.ts';
import { requestDecision } from './decision-store.ts';
import { type DecisionTerms, type Pass, appendStep, leaf, toolContext } from './pass.ts';
import { StepFailed, StepSuspended } from './step-errors.ts';
import { type Scope, type ScopeValue, renderArgs } from './template.ts';

/** Asks the approval gate like any tool call; a suspension becomes a stored decision and a prompt in the chat. */
async function passGate(p: Pass, step: ToolStep, key: string, args: Record<string, unknown>): Promise<void> {
  const { deps } = p;
  const verdict: GateDecision = await deps.gate
    .check({ agent: `workflow:${p.wf.name}`, tool: step.tool, args }, toolContext(p, key, p.abort.signal))
    .catch((err) => {
      deps.log.warn({ err: toError(err), tool: step.tool }, 'approval gate failed; asking');
      return { action: 'suspend' as const, payload: { summary: '', reason: '' } };
    });
  if (verdict.action === 'allow') return;
  if (verdict.action === 'deny') {
    await appendStep(p, 'step_failed', key, { kind: 'refused' });
    throw new StepFailed(key, { kind: 'refused', tool: step.tool, reason: verdict.reason });
  }
  const terms = verdict.payload as Partial<DecisionTerms> & { fallback?: string };
  const now = deps.clock.now();
  const { decision, created } = await requestDecision(
    deps.store,
    deps.owner,
    {
      runId: p.run.id,
      step: key,
      tool: step.tool,
      summary: String(terms.summary ?? '').slice(0, 2000),
      chatId: p.run.chatId,
      timeoutAt: now + deps.decisionTimeoutMs(verdict.payload, p.run.turnId.startsWith('job:')),
      // After untrusted text nothing goes ahead without a person's tap.
      fallback: terms.fallback === 'approve' && !terms.taintSources ? 'approve' : 'deny',
    },
    now,
  );
  p.decisions.set(key, decision);
  if (created)
    await deps.ask(p.run, decision, {
      summary: String(terms.summary ?? ''),
      reason: String(terms.reason ?? ''),
      ...(terms.confirm ? { confirm: terms.confirm } : {}),
      ...(terms.taintSources ? { taintSources: terms.taintSources } : {}),
    });
  throw new StepSuspended(key);
}

/** Runs the tool with its own timeout (or the roster's), aborted with the pass. */
async function execute(p: Pass, tool: Tool, args: unknown, key: string): Promise<ScopeValue> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  p.abort.signal.addEventListener('abort', onAbort, { once: true });
  const timer = p.deps.clock.sleep(tool.timeoutMs ?? p.deps.toolTimeoutMs, ctl.signal, { unref: true }).then(
    () => ctl.abort(new Error('tool timed out')),
    () => {},
  );
  try {
    const result = await tool.execute(args, toolContext(p, key, ctl.signal));
    const source = tool.untrusted ? (tool.sourceOf?.(args, result) ?? tool.name) : undefined;
    return { value: result, ...(source ? { untrusted: source } : {}) };
  } catch (err) {
    if (err instanceof StepFailed) throw err;
    throw new StepFailed(key, { kind: 'tool_error', tool: tool.name, message: toError(err).message.slice(0, 300) });
  } finally {
    p.abort.signal.removeEventListener('abort', onAbort);
    ctl.abort();
    await timer;
  }
}

/**
 * A tool step: arguments rendered and validated by the tool, then the gate (a decision already made is used, never
 * asked again), then one execution. Repeating after a crash is allowed only for read-only or GET-only tools.
 */
export async function toolStep(p: Pass, step: ToolStep, key: string, scope: Scope): Promise<ScopeValue> {
  const tool = p.deps.toolNamed(step.tool);
  if (!tool) throw new StepFailed(key, { kind: 'unknown_tool', tool: step.tool });
  const done = p.log.completed.get(key);
  if (done) return done;
  const args = renderArgs(step.args, scope, new Set()) as Record<string, unknown>;
  const parsed = tool.parse(args);
  if (!parsed.ok) {
    await appendStep(p, 'step_failed', key, { kind: 'bad_args' });
    throw new StepFailed(key, { kind: 'bad_args', tool: step.tool, message: parsed.error });
  }
  const decided = p.decisions.get(key);
  if (decided?.status === 'pending') throw new StepSuspended(key);
  const approved = decided?.status === 'approved' || (decided?.status === 'expired' && decided.fallback === 'approve');
  if (decided && !approved) {
    await appendStep(p, 'step_failed', key, { kind: 'denied' });
    throw new StepFailed(key, { kind: 'denied', tool: step.tool });
  }
  // A step cut off by a crash had passed the gate already.
  if (!approved && !p.log.cutOff.has(key)) await passGate(p, step, key, args);
  const repeatable = tool.readOnly || tool.requestedUrl !== undefined;
  return leaf(p, key, repeatable, step.tool, () => execute(p, tool, parsed.value, key));
}
