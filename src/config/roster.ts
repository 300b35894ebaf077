import { z } from 'zod';

const agentName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,30}$/, 'must be lowercase letters, digits or _ (it becomes the tool name agent_<name>)');

/** `default` means GEMINI_MODEL, `router` means GEMINI_ROUTER_MODEL; anything else is a Gemini model id. */
const modelRef = z.string().min(1).default('default');

export const agentSchema = z
  .object({
    name: agentName,
    description: z.string().min(10, 'must say when the router should pick this agent'),
    model: modelRef,
    prompt: z.string().min(1).describe('prompt file, relative to the config directory'),
    tools: z.array(z.string().min(1)).default([]),
    /** Provider-side tools; cannot be combined with function tools on Gemini. */
    builtinTools: z.array(z.enum(['google_search', 'url_context'])).default([]),
    /**
     * MCP servers (names in config/mcp.json) whose tools this agent gets as `mcp_<server>_<tool>`. A server no agent
     * names goes to the `assistant` agent; the router never gets MCP tools.
     */
    mcp: z.array(z.string().min(1)).default([]),
    temperature: z.number().min(0).max(2).optional(),
    /**
     * Whether the agent sees the user's memory: facts, recalled past messages and the earlier turns of the conversation.
     * Default: yes, except for agents with builtinTools, whose search and URL reading the approval gate never sees, so
     * injected text could smuggle what they know into a URL. Such an agent gets only the router's task.
     */
    memory: z.boolean().optional(),
  })
  .transform((a) => ({ ...a, memory: a.memory ?? a.builtinTools.length === 0 }));

export const rosterSchema = z
  .object({
    router: z.object({
      model: modelRef.default('router'),
      prompt: z.string().min(1),
      tools: z.array(z.string().min(1)).default([]),
      temperature: z.number().min(0).max(2).optional(),
    }),
    agents: z.array(agentSchema).min(1, 'needs at least one agent'),
    limits: z
      .object({
        maxSteps: z.number().int().min(1).max(50).default(8),
        /** Tool calls one model step may run; the extras are answered with an error the model sees. */
        maxToolCallsPerStep: z.number().int().min(1).max(64).default(8),
        turnTokenBudget: z.number().int().min(1000).default(200_000),
        toolTimeoutMs: z.number().int().min(100).default(30_000),
        llmTimeoutMs: z.number().int().min(1000).default(60_000),
      })
      .prefault({}),
  })
  .superRefine((roster, ctx) => {
    const seen = new Set<string>();
    roster.agents.forEach((a, i) => {
      if (seen.has(a.name))
        ctx.addIssue({ code: 'custom', path: ['agents', i, 'name'], message: `duplicate agent "${a.name}"` });
      seen.add(a.name);
      if (a.builtinTools.length > 0 && (a.tools.length > 0 || a.mcp.length > 0))
        ctx.addIssue({
          code: 'custom',
          path: ['agents', i, 'builtinTools'],
          message:
            'Gemini cannot combine builtinTools (search grounding, URL context) with function tools: use one or the other',
        });
    });
  });

export type AgentSpec = z.infer<typeof agentSchema>;
export type Roster = z.infer<typeof rosterSchema>;
