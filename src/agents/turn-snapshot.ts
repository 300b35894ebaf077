import { z } from 'zod';
import { turnActivitySchema } from '../core/activity.ts';

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
});
export type RunnerSnapshot = z.infer<typeof runnerSnapshotSchema>;
