import { z } from 'zod';

/**
 * Schema of config/guards.json: the processor chain around every model call (src/guards). Every field has a default,
 * so `{}` (or no file at all) means the built-in guards with their defaults.
 */

/** Where a keyword rule applies. */
export const guardHookSchema = z.enum(['input', 'toolResult', 'output']);

/** What the injection guard does on a hit: log it, flag it (log, note it for the model and /why) or stop the turn. */
const injectionAction = z.enum(['log', 'flag', 'halt']);

const regexSource = z
  .string()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters')
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'u');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
    }
  });

const keywordRule = z
  .object({
    /** Shown in logs and /why, never the matched text. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be lowercase letters, digits, _ or - (max 40)'),
    /** Words or phrases matched case-insensitively as whole words. */
    keywords: z.array(z.string().trim().min(1, 'must not be empty').max(100)).max(200).optional(),
    /** A regular expression (JavaScript syntax, Unicode mode), matched case-insensitively. */
    pattern: regexSource.optional(),
    /** `redact` replaces the match with [REDACTED]; `block` stops the turn with a message. */
    action: z.enum(['redact', 'block']),
    on: z.array(guardHookSchema).min(1, 'must name at least one of input, toolResult, output').default(['output']),
  })
  .strict()
  .refine((r) => (r.keywords?.length ?? 0) > 0 || r.pattern !== undefined, {
    message: 'needs "keywords" or "pattern"',
  });

export const guardsConfigSchema = z
  .object({
    injection: z
      .object({
        enabled: z.boolean().default(true),
        /** On the user's own message: never dropped silently; `halt` only when the owner wants it. */
        onInput: injectionAction.default('log'),
        /** On the result of a tool that reads outside text (`untrusted` tools). */
        onToolResult: injectionAction.default('flag'),
        /** Wrap untrusted tool results in per-turn markers and tell the model that such text is data. */
        spotlight: z.boolean().default(true),
      })
      .strict()
      .default({ enabled: true, onInput: 'log', onToolResult: 'flag', spotlight: true }),
    keywords: z.array(keywordRule).max(50).default([]),
    /** Tool calls one turn may make in all (every agent, every step); beyond it the turn stops. 0 turns it off. */
    maxToolCallsPerTurn: z.number().int().min(0).max(1000).default(32),
    secrets: z
      .object({
        /** Redact the bot token, API keys and the user's stored secrets from answers and outbound tool arguments. */
        enabled: z.boolean().default(true),
      })
      .strict()
      .default({ enabled: true }),
  })
  .strict();

/** The validated guards configuration. */
export type GuardsConfig = z.infer<typeof guardsConfigSchema>;
export type KeywordRule = GuardsConfig['keywords'][number];
export type GuardHook = z.infer<typeof guardHookSchema>;

/** The configuration when config/guards.json is absent. */
export const DEFAULT_GUARDS: GuardsConfig = guardsConfigSchema.parse({});
