import { createHash } from 'node:crypto';

/** Gemini function names: letters, digits, `_`, `.`, `-`; at most 64 characters, not starting with a digit. */
const MAX_NAME = 64;

/**
 * The agent tool name of an MCP server's tool: `mcp_<server>_<tool>`, with characters Gemini refuses replaced by `_`.
 * A name that is too long keeps its start and ends with a short hash of the full name, so two long names stay apart.
 */
export function mcpToolName(server: string, tool: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  const full = `mcp_${clean(server)}_${clean(tool)}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(`${server}\u0000${tool}`).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_NAME - hash.length - 1)}_${hash}`;
}
