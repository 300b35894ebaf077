import { hostNamedByUser } from '../agents/taint.ts';
import type { TaintSource, Tool, ToolContext } from '../agents/tool.ts';

/** What the gate knows about the turn's taint (a tool context, or a preapproval's part of one). */
export type TaintView = Partial<Pick<ToolContext, 'turnReadUntrusted' | 'taint'>>;

/**
 * The taint rule: once a turn has read untrusted content, a call with effects outside the turn needs a fresh approval
 * naming where that content came from, whatever the policy and "Always allow" say. Returns those sources, or
 * undefined when the call is free: nothing untrusted was read, the tool is read-only, or it only fetches a host the
 * user named in their own message. An unknown tool counts as having effects; an unknown taint state as untrusted.
 */
export function taintSourcesFor(
  tool: Tool | undefined,
  args: Record<string, unknown>,
  ctx: TaintView,
): readonly TaintSource[] | undefined {
  const sources = ctx.taint?.sources ?? [];
  if (ctx.turnReadUntrusted === false && sources.length === 0) return undefined;
  if (tool?.readOnly) return undefined;
  const url = safely(() => tool?.requestedUrl?.(args));
  if (url !== undefined && hostNamedByUser(url, ctx.taint?.userHosts ?? [])) return undefined;
  return sources.length > 0 ? sources : [{ kind: 'earlier' }];
}

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
