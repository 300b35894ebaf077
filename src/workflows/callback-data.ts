import { callbackCodec, colonSchema, keyCodec } from '../core/keys/codec.ts';
import { z } from 'zod';

/** A run id as `runIdFor` makes it. */
const RUN_ID = 'wr_[A-Za-z0-9_-]{16}';
const NAME = '[a-z0-9][a-z0-9-]{0,31}';

/** A workflow button: Approve/Deny of a step (`wf:d:<runId>:<seq>:<a|d>`) or Run from /workflows (`wf:r:<name>`). */
export type WorkflowPress =
  | { action: 'decide'; runId: string; seq: number; approve: boolean }
  | { action: 'run'; workflow: string };

export const workflowData = callbackCodec<WorkflowPress>({
  name: 'workflow button',
  prefix: 'wf:',
  schema: z.union([
    colonSchema(new RegExp(`^wf:d:${RUN_ID}:\\d{1,6}:[ad]$`), (p) => ({
      action: 'decide' as const,
      runId: p[2] ?? '',
      seq: Number(p[3]),
      approve: p[4] === 'a',
    })),
    colonSchema(new RegExp(`^wf:r:${NAME}$`), (p) => ({ action: 'run' as const, workflow: p[2] ?? '' })),
  ]),
  format: (v) => (v.action === 'run' ? `wf:r:${v.workflow}` : `wf:d:${v.runId}:${v.seq}:${v.approve ? 'a' : 'd'}`),
});

/** Outbox dedupe keys of a run's messages: its post, its stop notice, a decision prompt. */
export const workflowMessageKey = keyCodec<{ runId: string; kind: 'post' | 'stop' | 'ask'; seq?: number }>({
  name: 'workflow message key',
  schema: z
    .string()
    .regex(new RegExp(`^wf:${RUN_ID}:(post|stop|ask:\\d{1,6})$`))
    .transform((s) => {
      const [, runId, kind, seq] = s.split(':');
      return { runId: runId ?? '', kind: kind as 'post' | 'stop' | 'ask', ...(seq ? { seq: Number(seq) } : {}) };
    }),
  format: (v) => `wf:${v.runId}:${v.kind}${v.kind === 'ask' ? `:${v.seq ?? 0}` : ''}`,
});
