import { createHash } from 'node:crypto';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerSpec } from '../config/mcp.ts';
import type { BackoffOptions } from '../core/backoff.ts';
import { type Cancel, type Clock, later } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { UserSecrets } from '../core/secrets.ts';
import { type ConnectionState, type McpConnection, createConnection } from './connection.ts';
import { blankSecrets, resolveSecrets, secretNames } from './secret-refs.ts';
import { openTransport, secretBearing } from './transports.ts';

/** What /tools shows of one server. */
export interface ServerStatus {
  name: string;
  kind: 'stdio' | 'http';
  /** The owner's words for it (mcp.json `description`). */
  description?: string;
  state: ConnectionState | 'disabled';
  /** Runs one process (or HTTP session) per user, because its env or headers hold user secrets. */
  perUser: boolean;
  /** The secrets a user must /connect for it. */
  secrets: string[];
  tools: McpTool[];
  lastError?: string;
  /** Per-user sessions open now. */
  sessions: number;
}

export interface ServerDeps {
  name: string;
  spec: McpServerSpec;
  configDir: string;
  clock: Clock;
  log: Logger;
  secrets?: UserSecrets;
  backoff: BackoffOptions;
  connectTimeoutMs: number;
  /** A per-user session unused this long is closed (its process stopped). */
  idleMs: number;
  onChange?: () => void;
}

/** One configured MCP server: a shared connection, or one per user when its env/headers refer to secrets. */
export interface McpServer {
  readonly name: string;
  readonly spec: McpServerSpec;
  /** The tools the server listed (for a per-user server: from a session without secrets, or the last user's). */
  tools(): McpTool[];
  status(): ServerStatus;
  start(): void;
  call(userId: number, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult>;
  /** Process ids of the server's children (stdio), for tests and the bench. */
  pids(): number[];
  stop(): Promise<void>;
}

interface Session {
  key: string;
  connection: McpConnection;
  cancelIdle?: Cancel;
}

/** Builds a server; nothing starts before `start()` (or, per user, before that user's first call). */
export function createMcpServer(deps: ServerDeps): McpServer {
  const { name, spec, clock, log } = deps;
  const values = secretBearing(spec);
  const secrets = secretNames(values);
  const perUser = secrets.length > 0;
  let shared: McpConnection | undefined;
  let listed: McpTool[] = [];
  const sessions = new Map<number, Session>();
  let stopped = false;

  const connect = (label: string, resolved: Record<string, string>, logStderr: boolean) =>
    createConnection({
      label,
      open: () => openTransport(spec, resolved, deps.configDir),
      clock,
      log,
      backoff: deps.backoff,
      connectTimeoutMs: deps.connectTimeoutMs,
      logStderr,
      onChange: () => {
        const tools = (shared ?? [...sessions.values()].at(-1)?.connection)?.tools ?? [];
        if (tools.length > 0) listed = tools;
        // The secret-less discovery session of a per-user server is closed once it (or a user's session) has listed
        // the tools, whenever that happens (it may take several attempts).
        if (perUser && listed.length > 0 && shared) {
          const discovery = shared;
          shared = undefined;
          void discovery.close();
        }
        deps.onChange?.();
      },
    });

  /** The user's session, opened (or reopened when their secrets changed) with their secrets resolved now. */
  async function sessionFor(userId: number): Promise<McpConnection> {
    const resolved = await resolveSecrets(values, name, userId, deps.secrets);
    const key = createHash('sha256').update(JSON.stringify(resolved)).digest('hex');
    let session = sessions.get(userId);
    if (session && (session.key !== key || session.connection.state === 'stopped')) {
      session.cancelIdle?.();
      sessions.delete(userId);
      await session.connection.close();
      session = undefined;
    }
    if (!session) {
      session = { key, connection: connect(`${name} (user ${userId})`, resolved, false) };
      sessions.set(userId, session);
    }
    const own = session;
    own.cancelIdle?.();
    own.cancelIdle = later(
      clock,
      deps.idleMs,
      async () => {
        if (sessions.get(userId) !== own) return;
        sessions.delete(userId);
        await own.connection.close();
        deps.onChange?.();
      },
      { unref: true },
    );
    return own.connection;
  }

  return {
    name,
    spec,
    tools: () => (shared && shared.tools.length > 0 ? shared.tools : listed),
    status() {
      const connection = shared;
      const state: ServerStatus['state'] = spec.disabled
        ? 'disabled'
        : perUser && listed.length > 0
          ? 'ready'
          : (connection?.state ?? (stopped ? 'stopped' : 'connecting'));
      const lastError = connection?.lastError;
      return {
        name,
        kind: spec.kind,
        ...(spec.description ? { description: spec.description } : {}),
        state,
        perUser,
        secrets,
        tools: this.tools(),
        ...(lastError ? { lastError } : {}),
        sessions: sessions.size,
      };
    },
    start() {
      if (spec.disabled || shared || stopped) return;
      // A per-user server is started once without secrets, only to list its tools, then closed.
      shared = connect(name, perUser ? blankSecrets(values) : values, !perUser);
    },
    async call(userId, tool, args, signal) {
      if (stopped) throw new Error(`The MCP server "${name}" is shutting down`);
      const timeoutMs = spec.timeoutMs;
      if (!perUser) {
        if (!shared) this.start();
        return (shared as McpConnection).call(tool, args, signal, timeoutMs);
      }
      return (await sessionFor(userId)).call(tool, args, signal, timeoutMs);
    },
    pids() {
      const all = [shared, ...[...sessions.values()].map((s) => s.connection)];
      return all.map((c) => c?.pid() ?? null).filter((p): p is number => typeof p === 'number');
    },
    async stop() {
      stopped = true;
      const all = [shared, ...[...sessions.values()].map((s) => s.connection)];
      for (const s of sessions.values()) s.cancelIdle?.();
      sessions.clear();
      shared = undefined;
      await Promise.all(all.map((c) => c?.close()));
    },
  };
}
