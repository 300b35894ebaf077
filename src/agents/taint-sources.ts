import type { Grounding } from '../llm/types.ts';
import type { CallOutcome } from './loop-state.ts';
import type { LoopSpec } from './loop-spec.ts';
import type { FrameCall } from './snapshot.ts';
import { addTaintSource, hostKey } from './taint.ts';
import type { TaintSource } from './tool.ts';
import type { RunContext } from './types.ts';

/** Most hosts named for one web-search answer. */
const MAX_CITED_HOSTS = 3;

/** The hosts a web-search answer cited (Gemini's grounding titles are the sites' domains; else the URI's host). */
function citedHosts(grounding: Grounding | undefined): string[] {
  const hosts = new Set<string>();
  for (const s of grounding?.sources ?? []) {
    const title = s.title?.trim() ?? '';
    const host = /^[\w.-]+\.[a-z]{2,}$/i.test(title) ? title.toLowerCase() : hostKey(s.uri);
    if (host) hosts.add(host);
    if (hosts.size >= MAX_CITED_HOSTS) break;
  }
  return [...hosts];
}

/** Where an untrusted call's result came from: the tool's own `sourceOf`, or the hosts a web-search agent cited. */
function sourcesOf(spec: LoopSpec, call: FrameCall, outcome: CallOutcome | undefined): TaintSource[] {
  const tool = spec.tools.get(call.name);
  if (tool?.untrusted) {
    const response = outcome?.kind === 'response' ? outcome.response : undefined;
    let name: string | undefined;
    try {
      name = tool.sourceOf?.(call.args, response);
    } catch {
      name = undefined;
    }
    return [{ kind: 'tool', name: name ?? tool.name }];
  }
  const sub = spec.subAgents.get(call.name);
  if (!sub?.untrusted) return [];
  const delegated = outcome?.kind === 'response' ? outcome.delegated : undefined;
  const hosts = citedHosts(delegated?.grounding);
  return hosts.length > 0 ? hosts.map((name) => ({ kind: 'agent', name })) : [{ kind: 'agent', name: sub.name }];
}

/**
 * Records the untrusted results of a settled step in the turn's taint, with their sources. Marked when the results
 * enter the context, so calls made in the same step (without seeing them) are judged alike.
 */
export function noteUntrustedResults(
  spec: LoopSpec,
  calls: FrameCall[],
  outcomes: CallOutcome[],
  done: Record<string, unknown>,
  ctx: RunContext,
): void {
  calls.forEach((call, i) => {
    if (!done[call.callId]) return;
    for (const source of sourcesOf(spec, call, outcomes[i])) addTaintSource(ctx.taint, source);
  });
}
