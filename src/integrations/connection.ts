import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { type BackoffOptions, backoffDelay } from '../core/backoff.ts';
import { type Cancel, type Clock, later } from '../core/clock.ts';
import { AppError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { mcpSdk } from './sdk.ts';

/** Where one connection to an MCP server stands. */
export type ConnectionState = 'connecting' | 'ready' | 'down' | 'stopped';

/** A live transport to a server, made fresh for every (re)connect. */
export interface OpenedTransport {
  transport: Transport;
  /** The child process id (stdio), for status and tests. */
  pid?: () => number | null;
  /** The last lines the server wrote to stderr (stdio); only logged for servers that hold no user secret. */
  stderrTail?: () => string;
}

export interface ConnectionOptions {
  /** For logs and errors: the server's name (and the user, for per-user processes). */
  label: string;
  open: () => Promise<OpenedTransport>;
  clock: Clock;
  log: Logger;
  backoff: BackoffOptions;
  /** Longest wait for the handshake and the tool list (ms). */
  connectTimeoutMs: number;
  /** Log the server's stderr when it dies (false for processes holding a user's secret). */
  logStderr: boolean;
  /** Called whenever the state or tool list changes. */
  onChange?: () => void;
}

/** One client session with a server: connects, lists tools, reconnects with backoff after a crash or disconnect. */
export interface McpConnection {
  readonly state: ConnectionState;
  readonly lastError: string | undefined;
  /** Tools from the last successful listing (empty before). */
  readonly tools: McpTool[];
  pid(): number | null;
  /** Waits until the connection is ready (true) or failed / stopped (false); `signal` ends the wait early. */
  ready(signal?: AbortSignal): Promise<boolean>;
  call(name: string, args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<CallToolResult>;
  /** Closes for good: no reconnect; the child process is stopped. */
  close(): Promise<void>;
}

/** A server that is down or reconnecting: the tool answers at once instead of waiting. */
export class ServerUnavailableError extends AppError {
  constructor(label: string, reason: string | undefined) {
    super(
      'tool_failed',
      `The MCP server "${label}" is unavailable right now${reason ? ` (${reason})` : ''}; it is reconnecting. Tell the user the service is not reachable at the moment and try again later.`,
    );
    this.name = 'ServerUnavailableError';
  }
}

const MAX_TOOLS = 500;
const CLIENT_INFO = { name: 'telegram-assistant', version: '0.1.0' };

async function listAll(client: Client, timeout: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : {}, { timeout });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor && tools.length < MAX_TOOLS);
  return tools.slice(0, MAX_TOOLS);
}

/** Opens a connection and starts connecting at once. */
export function createConnection(options: ConnectionOptions): McpConnection {
  const { label, clock, log } = options;
  let state: ConnectionState = 'connecting';
  let lastError: string | undefined;
  let tools: McpTool[] = [];
  let client: Client | undefined;
  let opened: OpenedTransport | undefined;
  let attempt = 0;
  let cancelRetry: Cancel | undefined;
  let waiters: (() => void)[] = [];

  // A function, so TypeScript does not narrow `state` across the awaits that may stop the connection.
  const stopped = (): boolean => state === 'stopped';
  const setState = (next: ConnectionState) => {
    state = next;
    if (next !== 'connecting') for (const wake of waiters.splice(0)) wake();
    options.onChange?.();
  };

  const scheduleRetry = () => {
    if (state === 'stopped') return;
    attempt++;
    const delay = backoffDelay(attempt, options.backoff);
    cancelRetry = later(clock, delay, () => connect(), { unref: true });
  };

  const lost = (own: Client, why: string) => {
    if (own !== client || state === 'stopped') return;
    client = undefined;
    lastError = why;
    void own.close().catch(() => undefined);
    const tail = options.logStderr ? opened?.stderrTail?.() : undefined;
    log.warn(
      { server: label, reason: why, ...(tail ? { stderr: tail } : {}) },
      'MCP server disconnected; reconnecting',
    );
    setState('down');
    scheduleRetry();
  };

  async function connect(): Promise<void> {
    if (state === 'stopped') return;
    setState('connecting');
    const { Client } = await mcpSdk();
    if (stopped()) return;
    // A server that announces a changed tool list is listed again (the SDK refreshes; we keep the new list).
    const own: Client = new Client(CLIENT_INFO, {
      listChanged: {
        tools: {
          onChanged: (err, list) => {
            if (err || !list || own !== client || stopped()) return;
            tools = list.slice(0, MAX_TOOLS);
            options.onChange?.();
          },
        },
      },
    });
    client = own;
    try {
      opened = await options.open();
      own.onclose = () => lost(own, 'the connection closed');
      own.onerror = (err) => log.debug({ server: label, err: toError(err) }, 'MCP transport error');
      await own.connect(opened.transport, { timeout: options.connectTimeoutMs });
      const listed = await listAll(own, options.connectTimeoutMs);
      if (own !== client || stopped()) return;
      tools = listed;
      attempt = 0;
      lastError = undefined;
      log.info({ server: label, tools: listed.length }, 'MCP server connected');
      setState('ready');
    } catch (err) {
      if (own !== client || stopped()) return;
      client = undefined;
      lastError = toError(err).message.slice(0, 200);
      // The first failures at warn; a server that stays down (a missing command) then only at debug, once a minute.
      const level = attempt < 3 ? 'warn' : 'debug';
      log[level](
        { server: label, err: toError(err), attempt: attempt + 1 },
        'could not connect to the MCP server; retrying',
      );
      await own.close().catch(() => undefined);
      setState('down');
      scheduleRetry();
    }
  }

  void connect();

  return {
    get state() {
      return state;
    },
    get lastError() {
      return lastError;
    },
    get tools() {
      return tools;
    },
    pid: () => opened?.pid?.() ?? null,
    ready(signal) {
      if (state !== 'connecting') return Promise.resolve(state === 'ready');
      return new Promise((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          resolve(state === 'ready');
        };
        waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    async call(name, args, signal, timeoutMs) {
      if (state === 'connecting') await this.ready(signal);
      const current = client;
      if (state !== 'ready' || !current) throw new ServerUnavailableError(label, lastError);
      try {
        return (await current.callTool({ name, arguments: args }, undefined, {
          signal,
          timeout: timeoutMs,
        })) as CallToolResult;
      } catch (err) {
        // An McpError is the server's own answer (or a timeout); `name` avoids loading the SDK's types module here.
        if (signal.aborted || toError(err).name === 'McpError') throw err;
        // Not an answer from the server but a failed exchange (an HTTP server gone, its session lost): reconnect.
        const why = toError(err).message.slice(0, 200);
        lost(current, why);
        throw new ServerUnavailableError(label, why);
      }
    },
    async close() {
      if (state === 'stopped') return;
      cancelRetry?.();
      const own = client;
      client = undefined;
      setState('stopped');
      waiters = [];
      await own?.close().catch(() => undefined);
    },
  };
}
