import { z } from 'zod';

/** A step id (also a template name): lower case, digits and `_`, starting with a letter. */
const stepId = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'use a-z, 0-9 and _ (start with a letter, at most 32)');

/** An agent step: one model call of one roster agent (its instructions) with one task template. No tools. */
export const agentStepSchema = z
  .object({
    id: stepId,
    type: z.literal('agent'),
    agent: z.string().min(1),
    /** Which model: the cheap router model or the default one (GEMINI_ROUTER_MODEL / GEMINI_MODEL). */
    model: z.enum(['router', 'default']).default('default'),
    task: z.string().min(1).max(8000),
  })
  .strict();

/** A tool step: one registered tool with templated arguments, through the approval gate. */
export const toolStepSchema = z
  .object({
    id: stepId,
    type: z.literal('tool'),
    tool: z.string().min(1),
    args: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** The final step: posts one message (Markdown template) to the chat that started the run. */
export const postStepSchema = z
  .object({ id: stepId, type: z.literal('post'), text: z.string().min(1).max(4000) })
  .strict();

/** A test on a rendered value; exactly one of the operators. */
export const conditionTestSchema = z
  .object({
    value: z.string(),
    equals: z.string().optional(),
    notEquals: z.string().optional(),
    contains: z.string().optional(),
    empty: z.boolean().optional(),
  })
  .strict()
  .refine(
    (c) => [c.equals, c.notEquals, c.contains, c.empty].filter((v) => v !== undefined).length === 1,
    'give exactly one of equals, notEquals, contains, empty',
  );

export type AgentStep = z.infer<typeof agentStepSchema>;
export type ToolStep = z.infer<typeof toolStepSchema>;
export type PostStep = z.infer<typeof postStepSchema>;
export type ConditionTest = z.infer<typeof conditionTestSchema>;
export interface ParallelStep {
  id: string;
  type: 'parallel';
  branches: Step[][];
}
export interface ForEachStep {
  id: string;
  type: 'forEach';
  items: string;
  as: string;
  parallel: boolean;
  maxItems: number;
  steps: Step[];
  output?: string | undefined;
}
export interface ConditionStep {
  id: string;
  type: 'condition';
  if: ConditionTest;
  /** Run when the test holds. */
  steps: Step[];
  /** Run when it doesn't (may be empty). */
  otherwise: Step[];
}
/** Every kind of step. */
export type Step = AgentStep | ToolStep | PostStep | ParallelStep | ForEachStep | ConditionStep;

const stepsSchema: z.ZodType<Step[], unknown> = z.lazy(() => z.array(stepSchema).min(1).max(50));

const parallelStepSchema = z
  .object({ id: stepId, type: z.literal('parallel'), branches: z.array(stepsSchema).min(2).max(10) })
  .strict();

const forEachStepSchema = z
  .object({
    id: stepId,
    type: z.literal('forEach'),
    /** A template naming a list: `{{params.urls}}` or `{{steps.x.output}}`. */
    items: z.string().min(1),
    as: stepId.default('item'),
    parallel: z.boolean().default(false),
    maxItems: z.number().int().min(1).max(20).default(10),
    steps: stepsSchema,
    /** What one item contributes to the step's output (a template); default: its last step's output. */
    output: z.string().max(4000).optional(),
  })
  .strict();

const conditionStepSchema = z
  .object({
    id: stepId,
    type: z.literal('condition'),
    if: conditionTestSchema,
    steps: stepsSchema,
    otherwise: stepsSchema.optional().default([]),
  })
  .strict();

const stepSchema: z.ZodType<Step, unknown> = z.lazy(() =>
  z.discriminatedUnion('type', [
    agentStepSchema,
    toolStepSchema,
    postStepSchema,
    parallelStepSchema,
    forEachStepSchema,
    conditionStepSchema,
  ]),
) as z.ZodType<Step, unknown>;

/** A declared parameter. `list` takes comma- or space-separated values; `number` a decimal number. */
export const paramSchema = z
  .object({
    type: z.enum(['string', 'list', 'number']).default('string'),
    required: z.boolean().default(false),
    default: z.string().max(2000).optional(),
    description: z.string().max(300).default(''),
    /** For lists: most items accepted. */
    maxItems: z.number().int().min(1).max(20).optional(),
  })
  .strict();
export type ParamSpec = z.infer<typeof paramSchema>;

/** One file of config/workflows/. */
export const workflowSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'use a-z, 0-9 and - (at most 32)'),
    description: z.string().min(1).max(500),
    /** The description in Russian for /workflows (optional). */
    descriptionRu: z.string().max(500).optional(),
    params: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), paramSchema).default({}),
    steps: stepsSchema,
  })
  .strict();
export type Workflow = z.infer<typeof workflowSchema>;
