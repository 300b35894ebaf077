import type { Workflow } from './definition.ts';
import { decisionsOf } from './decision-store.ts';
import { runSteps } from './flow.ts';
import type { ExecutorDeps, Pass } from './pass.ts';
import { replay } from './replay.ts';
import { type RunRow, eventsOf } from './run-store.ts';
import { StepFailed, type StepFailure, StepSuspended } from './step-errors.ts';

export type { DecisionTerms, ExecutorDeps, StepAgent } from './pass.ts';
export type { StepFailure } from './step-errors.ts';

/** How one pass over a run ended. */
export type PassResult =
  | { status: 'done'; messageId: number }
  | { status: 'suspended' }
  | { status: 'failed'; step: string; reason: StepFailure };

/** Hosts named in the run's own trusted inputs (its parameters and the owner's definition): fetching them is free. */
function trustedHosts(run: RunRow): string[] {
  const text = `${JSON.stringify(run.params)} ${JSON.stringify(run.definition)}`;
  const hosts = new Set<string>();
  for (const m of text.matchAll(/https?:\/\/([A-Za-z0-9.-]+)/g)) if (m[1]) hosts.add(m[1].toLowerCase());
  return [...hosts];
}

/**
 * Runs (or resumes) a run this process holds, from its log: completed steps give their logged outputs and never run
 * again; a step cut off by a crash runs again only when repeating it is harmless (a model call, a read-only or
 * GET-only tool, the post with its dedupe key); a side-effecting tool step cut off stops the run (`interrupted`).
 */
export async function runPass(deps: ExecutorDeps, run: RunRow, wf: Workflow): Promise<PassResult> {
  const log = replay(await eventsOf(deps.store, run.id));
  const taint = new Set<string>();
  for (const v of log.completed.values()) if (v.untrusted) taint.add(v.untrusted);
  const p: Pass = {
    deps,
    run,
    wf,
    log,
    decisions: await decisionsOf(deps.store, run.id),
    taint,
    userHosts: trustedHosts(run),
    abort: new AbortController(),
  };
  try {
    const last = await runSteps(p, wf.steps, '', { params: run.params, vars: {}, outputs: new Map() });
    return { status: 'done', messageId: Number((last.value as { messageId?: number } | undefined)?.messageId ?? 0) };
  } catch (err) {
    p.abort.abort();
    if (err instanceof StepSuspended) return { status: 'suspended' };
    if (err instanceof StepFailed) return { status: 'failed', step: err.step, reason: err.reason };
    throw err;
  }
}
