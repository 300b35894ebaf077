import { z } from 'zod';
import type { Grounding } from '../llm/types.ts';
import type { TurnEvent, TurnRequest } from './turn.ts';

/**
 * What one turn did besides memory, for /why: the tools that ran (with a short target such as a host, never their
 * arguments), the files the user sent with it, and the web pages a built-in search used. Stored as JSON.
 */
export const turnActivitySchema = z.object({
  tools: z
    .array(
      z.object({
        tool: z.string().max(64),
        callId: z.string().max(80),
        target: z.string().max(120).optional(),
        ok: z.boolean().optional(),
      }),
    )
    .max(64),
  files: z.array(z.object({ mimeType: z.string().max(120), name: z.string().max(120).optional() })).max(16),
  web: z.object({ searches: z.number().int().min(0), hosts: z.array(z.string().max(120)).max(8) }),
  /** What the guards did (redacted, flagged, halted), by processor and hook; absent in older rows. */
  guards: z
    .array(
      z.object({
        processor: z.string().max(40),
        hook: z.enum(['input', 'toolCall', 'toolResult', 'output']),
        action: z.enum(['redact', 'flag', 'halt']),
      }),
    )
    .max(16)
    .optional(),
});
export type TurnActivity = z.infer<typeof turnActivitySchema>;
export type TurnAction = TurnActivity['tools'][number];
export type GuardAction = NonNullable<TurnActivity['guards']>[number];

export const EMPTY_ACTIVITY: TurnActivity = { tools: [], files: [], web: { searches: 0, hosts: [] } };

/** The host of a URL, without `www.`; undefined for anything else. */
export function hostOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const host = new URL(value.trim()).hostname.toLowerCase();
    return host ? host.replace(/^www\./, '').slice(0, 120) : undefined;
  } catch {
    return undefined;
  }
}

/** A short, non-secret target of a tool call: the host of a `url` argument (no path, query or credentials). */
export function actionTarget(args: Record<string, unknown>): string | undefined {
  return hostOf(args.url);
}

/**
 * Collects a turn's activity from its events. `prior` is what the turn did before it was suspended (a resumed turn
 * continues it); a call seen again after resuming is updated, not repeated. Calls to sub-agents are routing, not
 * actions, and are left out.
 */
export function createActivityLog(prior?: TurnActivity) {
  const tools = (prior?.tools ?? []).map((t) => ({ ...t }));
  const byCall = new Map(tools.map((t) => [t.callId, t]));
  const guards: GuardAction[] = (prior?.guards ?? []).map((g) => ({ ...g }));
  return {
    observe(event: TurnEvent): void {
      if (event.type === 'guard') {
        const { processor, hook, action } = event;
        const seen = guards.some((g) => g.processor === processor && g.hook === hook && g.action === action);
        if (!seen && guards.length < 16) guards.push({ processor: processor.slice(0, 40), hook, action });
      } else if (event.type === 'tool-start' && !event.tool.startsWith('agent_')) {
        if (byCall.has(event.callId) || tools.length >= 64) return;
        const target = actionTarget(event.args);
        const action: TurnAction = {
          tool: event.tool.slice(0, 64),
          callId: event.callId.slice(0, 80),
          ...(target ? { target } : {}),
        };
        tools.push(action);
        byCall.set(event.callId, action);
      } else if (event.type === 'tool-result') {
        const action = byCall.get(event.callId);
        if (action) action.ok = event.ok;
      }
    },
    /** The activity so far, with the request's files and the answer's web sources. */
    result(request: Pick<TurnRequest, 'attachments'>, grounding?: Grounding): TurnActivity {
      const hosts = new Set(prior?.web.hosts ?? []);
      for (const s of grounding?.sources ?? []) {
        // Grounding links are redirects; their title is the site's domain.
        const title = s.title?.trim().toLowerCase();
        const h = title && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(title) ? title.replace(/^www\./, '') : hostOf(s.uri);
        if (h && hosts.size < 8) hosts.add(h);
      }
      return {
        tools,
        files: request.attachments
          .slice(0, 16)
          .map((a) => ({ mimeType: a.mimeType.slice(0, 120), ...(a.name ? { name: a.name.slice(0, 120) } : {}) })),
        web: { searches: (prior?.web.searches ?? 0) + (grounding?.queries.length ?? 0), hosts: [...hosts] },
        ...(guards.length > 0 ? { guards } : {}),
      };
    },
  };
}
