import type { Tool } from '../agents/tool.ts';
import type { McpConfig } from '../config/mcp.ts';
import type { BackoffOptions } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { UserSecrets } from '../core/secrets.ts';
import { toAgentTool } from './mcp-tools.ts';
import { type McpServer, type ServerStatus, createMcpServer } from './server.ts';

export interface IntegrationsDeps {
  mcp: McpConfig;
  /** The roster's agents and the MCP servers each names (`mcp`); servers no agent names go to `assistant`. */
  agents: { name: string; mcp: string[]; builtinTools: string[] }[];
  configDir: string;
  clock: Clock;
  log: Logger;
  /** Resolves `${secret:<name>}` per user; without it, a server that needs a secret answers "not connected". */
  secrets?: UserSecrets;
  /** Reconnect delays (default 1 s doubling to 60 s, with jitter). */
  backoff?: BackoffOptions;
  /** Handshake + tool listing deadline per connect (default 20 s). */
  connectTimeoutMs?: number;
  /** Per-user sessions unused this long are closed (default 10 min). */
  idleMs?: number;
}

/** The MCP servers of config/mcp.json as agent tools. */
export interface Integrations {
  /** The MCP tools an agent has now (servers that have listed their tools; none for the router). */
  toolsFor(agent: string): Tool[];
  /** The MCP tool of that name, from any server (for the approval gate's prompt words). */
  toolNamed(toolName: string): Tool | undefined;
  /** True for an MCP tool annotated read-only, false for another MCP tool, undefined for a name that isn't one. */
  isReadOnly(toolName: string): boolean | undefined;
  status(): ServerStatus[];
  /** Server by name (tests, bench). */
  server(name: string): McpServer | undefined;
  /** Connects every shared server in the background (never waits); per-user servers only list their tools. */
  start(): void;
  /** Stops every child process and session. */
  stop(): Promise<void>;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 60_000, jitter: 0.2 };

/** Which agents get each server's tools: the agents naming it, else `assistant` (when it can take function tools). */
function assignments(deps: IntegrationsDeps): Map<string, string[]> {
  const byServer = new Map<string, string[]>();
  for (const name of Object.keys(deps.mcp.mcpServers)) {
    const named = deps.agents.filter((a) => a.mcp.includes(name)).map((a) => a.name);
    const assistant = deps.agents.find((a) => a.name === 'assistant' && a.builtinTools.length === 0);
    const agents = named.length > 0 ? named : assistant ? ['assistant'] : [];
    if (agents.length === 0)
      deps.log.warn({ server: name }, 'no agent gets this MCP server (name it in an agent\'s "mcp" in agents.json)');
    byServer.set(name, agents);
  }
  return byServer;
}

/** Builds the servers and their tools; nothing runs before `start()`. */
export function createIntegrations(deps: IntegrationsDeps): Integrations {
  const log = deps.log.child({ module: 'integrations' });
  const servers = new Map<string, McpServer>();
  // Tools are rebuilt when a server's tool list changes (a new object per listing, cached by it).
  const built = new Map<string, { from: unknown; tools: Tool[] }>();
  for (const [name, spec] of Object.entries(deps.mcp.mcpServers))
    servers.set(
      name,
      createMcpServer({
        name,
        spec,
        configDir: deps.configDir,
        clock: deps.clock,
        log,
        ...(deps.secrets ? { secrets: deps.secrets } : {}),
        backoff: deps.backoff ?? DEFAULT_BACKOFF,
        connectTimeoutMs: deps.connectTimeoutMs ?? 20_000,
        idleMs: deps.idleMs ?? 600_000,
      }),
    );
  const byServer = assignments(deps);

  function toolsOf(server: McpServer): Tool[] {
    const listed = server.tools();
    const cached = built.get(server.name);
    if (cached && cached.from === listed) return cached.tools;
    const seen = new Set<string>();
    const tools = listed.map((t) => toAgentTool(server, t)).filter((t) => !seen.has(t.name) && seen.add(t.name));
    built.set(server.name, { from: listed, tools });
    return tools;
  }

  return {
    toolsFor(agent) {
      const out: Tool[] = [];
      for (const [name, agents] of byServer) {
        const server = servers.get(name);
        if (server && !server.spec.disabled && agents.includes(agent)) out.push(...toolsOf(server));
      }
      return out;
    },
    toolNamed(toolName) {
      if (!toolName.startsWith('mcp_')) return undefined;
      for (const server of servers.values()) {
        const tool = toolsOf(server).find((t) => t.name === toolName);
        if (tool) return tool;
      }
      return undefined;
    },
    isReadOnly(toolName) {
      return this.toolNamed(toolName)?.readOnly;
    },
    status: () => [...servers.values()].map((s) => s.status()),
    server: (name) => servers.get(name),
    start() {
      for (const server of servers.values()) server.start();
    },
    async stop() {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}
