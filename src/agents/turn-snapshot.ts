import { z } from 'zod';
import { turnActivitySchema } from '../core/activity.ts';
import { taintSourceSchema } from './taint.ts';
import type { TurnTaint } from './types.ts';

const usageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() });

const memorySchema = z.object({
  threadId: z.string(),
  history: z.array(z.object({ role: z.enum(['user', 'model']), parts: z.array(z.record(z.string(), z.unknown())) })),
  systemContext: z.string(),
  used: z.object({
    factIds: z.array(z.string()),
    recalledMessageIds: z.array(z.string()),
    activity: turnActivitySchema.optional(),
  }),
});

/** What the runner keeps in `Suspension.snapshot`: the Network's frame plus what commit and accounting need. */
export const runnerSnapshotSchema = z.object({
  v: z.literal(1),
  kind: z.literal('turn'),
  frame: z.unknown(),
  memory: memorySchema.nullable(),
  usage: usageSchema,
  budgetUsed: usageSchema,
  // Snapshots from before the flag existed resume as untrusted (formal approvals): the safe side.
  turnReadUntrusted: z.boolean().default(true),
  // Where that content came from and the hosts the user named; older snapshots have neither (see `resumedTaint`).
  taintSources: z.array(taintSourceSchema).max(50).optional(),
  userHosts: z.array(z.string().max(300)).max(50).optional(),
});
export type RunnerSnapshot = z.infer<typeof runnerSnapshotSchema>;

/** The taint a resumed run continues with; a run saved before sources were recorded names an `earlier` source. */
export function resumedTaint(snap: RunnerSnapshot): TurnTaint {
  const sources = snap.taintSources ?? [];
  const earlier = snap.turnReadUntrusted && sources.length === 0;
  return {
    turnReadUntrusted: snap.turnReadUntrusted,
    sources: earlier ? [{ kind: 'earlier' }] : sources.map((s) => ({ ...s })),
    userHosts: [...(snap.userHosts ?? [])],
  };
}
