import { z } from 'zod';

/**
 * Schema of config/approvals.json: which tool calls need a person's approval, how long to wait and what
 * happens when nobody answers. Conditions are a small declarative language (no eval).
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MIN_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 7 * 86_400_000;

/** Parses "90s", "10m", "2h", "1d" (or "500ms") into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A duration such as "10m"; between 10 seconds and 7 days. Parsed to milliseconds. */
export const durationSchema = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; use e.g. "30s", "10m", "2h" or "1d"` });
    return z.NEVER;
  }
  if (ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', message: `"${text}" must be between 10s and 7d` });
    return z.NEVER;
  }
  return ms;
});

/** A JSON value, as used by `equals`/`in`. */
const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/** `example.com` (exactly that host) or `*.example.com` (any subdomain of it, not the apex). */
const hostPattern = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'must be a host name like "wikipedia.org" or "*.github.com"');

/** Dot path into the arguments, e.g. `url` or `target.id`. */
const argPath = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be an argument name or a dot path like "target.id"');

/** One test on one argument. Exactly one operator besides `arg`. */
const argTestSchema = z
  .strictObject({
    arg: argPath,
    equals: jsonValue.optional(),
    notEquals: jsonValue.optional(),
    in: z.array(jsonValue).optional(),
    notIn: z.array(jsonValue).optional(),
    contains: z.string().optional(),
    startsWith: z.string().optional(),
    exists: z.boolean().optional(),
    gt: z.number().optional(),
    lt: z.number().optional(),
    matchesHost: z.array(hostPattern).min(1).optional(),
    notMatchesHost: z.array(hostPattern).min(1).optional(),
  })
  .superRefine((test, ctx) => {
    const ops = Object.keys(test).filter((k) => k !== 'arg' && (test as Record<string, unknown>)[k] !== undefined);
    if (ops.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one operator next to "arg" (equals, notEquals, in, notIn, contains, startsWith, exists, gt, lt, matchesHost, notMatchesHost); found ${ops.length === 0 ? 'none' : ops.join(', ')}`,
      });
  });

export type ArgTest = z.infer<typeof argTestSchema>;

/** A condition: an argument test, or `all` / `any` / `not` over conditions. */
export type Condition = ArgTest | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    argTestSchema,
  ]),
);

const fallbackSchema = z.enum(['deny', 'approve']);

/**
 * What one "Always allow" grant covers besides the user and the tool: the host of a URL argument (`as: "host"`) or
 * the exact value of an argument (`as: "value"`), e.g. `{ "arg": "url", "as": "host" }`.
 */
export const grantScopeSchema = z.strictObject({
  arg: argPath,
  as: z.enum(['host', 'value']).default('value'),
});

export type GrantScope = z.infer<typeof grantScopeSchema>;

/** The rule for one tool (or a `*` pattern of tool names). */
export const toolPolicySchema = z
  .strictObject({
    mode: z.enum(['never', 'always', 'when']),
    /** Required for mode "when": approval is needed when this condition holds. */
    when: conditionSchema.optional(),
    timeout: durationSchema.optional(),
    /** Timeout for scheduled (unattended) runs; the shorter of this and `timeout` applies. */
    scheduledTimeout: durationSchema.optional(),
    fallback: fallbackSchema.optional(),
    /** Offer "Always allow": a grant for the requesting user, this tool and one target (`allowAlwaysFor`). */
    allowAlways: z.boolean().optional(),
    /** The target an "Always allow" grant is scoped to; required with `allowAlways: true`. */
    allowAlwaysFor: grantScopeSchema.optional(),
    /** Shown in the prompt: why this needs approval. */
    reason: z.string().trim().min(1).max(200).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.mode === 'when' && !p.when)
      ctx.addIssue({ code: 'custom', path: ['when'], message: 'is required when mode is "when"' });
    if (p.mode !== 'when' && p.when)
      ctx.addIssue({ code: 'custom', path: ['when'], message: 'is only allowed when mode is "when"' });
    if (p.allowAlways && !p.allowAlwaysFor)
      ctx.addIssue({
        code: 'custom',
        path: ['allowAlwaysFor'],
        message:
          'is required with "allowAlways": true, so a grant covers one target and not every call of the tool (e.g. { "arg": "url", "as": "host" })',
      });
    if (!p.allowAlways && p.allowAlwaysFor)
      ctx.addIssue({ code: 'custom', path: ['allowAlwaysFor'], message: 'is only used with "allowAlways": true' });
  });

export type ToolPolicy = z.infer<typeof toolPolicySchema>;

/** Tool name or a pattern with `*` wildcards (e.g. `*_delete`). */
const toolKey = z.string().regex(/^[A-Za-z0-9_.*-]{1,64}$/, 'must be a tool name or a pattern like "*_delete"');

export const approvalsConfigSchema = z.strictObject({
  defaults: z
    .strictObject({
      timeout: durationSchema.default(600_000),
      scheduledTimeout: durationSchema.default(300_000),
      fallback: fallbackSchema.default('deny'),
    })
    .prefault({}),
  questions: z
    .strictObject({
      timeout: durationSchema.default(1_800_000),
      scheduledTimeout: durationSchema.default(300_000),
      /** What the model gets as the answer when nobody replied in time. */
      fallbackAnswer: z.string().trim().min(1).max(200).default('No reply in time'),
    })
    .prefault({}),
  /** Exact names win over patterns; among patterns the first listed match wins. Unlisted tools never need approval. */
  tools: z.record(toolKey, toolPolicySchema).default({}),
});

/** The validated approvals configuration (durations in milliseconds). */
export type ApprovalsConfig = z.infer<typeof approvalsConfigSchema>;
