import { z } from 'zod';

/**
 * Schema of config/mcp.json: the MCP servers whose tools the agents get, in the shape every MCP client uses, so a
 * block copied from a server's README works as-is:
 * `{"mcpServers": {"<name>": {"command": "...", "args": [...], "env": {...}}}}` (stdio) or
 * `{"mcpServers": {"<name>": {"url": "...", "headers": {...}}}}` (Streamable HTTP).
 * Values in `env` and `headers` may refer to a user's secret as `${secret:<name>}` (added with /connect <name>).
 */

/** A server name becomes part of its tools' names (`mcp_<server>_<tool>`), so it keeps to what a tool name allows. */
export const mcpServerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$/, 'must be 1-30 letters, digits, _ or - (it becomes part of tool names)');

/** Settings of ours next to the standard fields; all optional. */
const common = {
  /** Longest a tool call may take (ms); the call is cancelled and the model told after it. */
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Longest tool result the model sees (characters); the rest is cut with a note. */
  maxOutputChars: z.number().int().min(200).max(200_000).default(20_000),
  /** A server kept in the file but not started. */
  disabled: z.boolean().default(false),
  /** Shown in /tools and in the tools' descriptions. */
  description: z.string().max(200).optional(),
};

const stdioServer = z.strictObject({
  command: z.string().trim().min(1, 'must name the program to run'),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().min(1).optional(),
  ...common,
});

const httpServer = z.strictObject({
  url: z
    .string()
    .url('must be an http(s) URL')
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
  headers: z.record(z.string(), z.string()).default({}),
  /** "http" (Streamable HTTP) is the only remote transport; the field is accepted because READMEs include it. */
  type: z.enum(['http', 'streamable-http', 'streamableHttp']).optional(),
  ...common,
});

/** One server: stdio (`command`) or Streamable HTTP (`url`). */
export const mcpServerSchema = z.unknown().transform((raw, ctx) => {
  const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  const hasCommand = isObject && 'command' in raw;
  const hasUrl = isObject && 'url' in raw;
  if (!isObject || hasCommand === hasUrl) {
    ctx.addIssue({
      code: 'custom',
      message: 'needs either "command" (a stdio server) or "url" (a Streamable HTTP server), not both',
    });
    return z.NEVER;
  }
  const parsed = hasCommand ? stdioServer.safeParse(raw) : httpServer.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return hasCommand
    ? { kind: 'stdio' as const, ...(parsed.data as z.infer<typeof stdioServer>) }
    : { kind: 'http' as const, ...(parsed.data as z.infer<typeof httpServer>) };
});

export const mcpConfigSchema = z.object({
  mcpServers: z.record(mcpServerName, mcpServerSchema).default({}),
});

/** One configured MCP server. */
export type McpServerSpec = z.infer<typeof mcpServerSchema>;
export type McpStdioSpec = Extract<McpServerSpec, { kind: 'stdio' }>;
export type McpHttpSpec = Extract<McpServerSpec, { kind: 'http' }>;
/** The validated config/mcp.json. */
export type McpConfig = z.infer<typeof mcpConfigSchema>;
