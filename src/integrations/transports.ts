import { isAbsolute, resolve } from 'node:path';
import type { McpHttpSpec, McpServerSpec, McpStdioSpec } from '../config/mcp.ts';
import type { OpenedTransport } from './connection.ts';
import { mcpSdk } from './sdk.ts';

const STDERR_TAIL_CHARS = 1000;

/**
 * A stdio server's child process. It gets the SDK's small default environment (PATH, HOME, …) plus the server's own
 * `env`, never the bot's (no Telegram or Gemini keys). Its stderr is read (so the pipe never fills) and only the
 * last lines are kept, for the log when it dies.
 */
async function openStdio(spec: McpStdioSpec, env: Record<string, string>, configDir: string): Promise<OpenedTransport> {
  const { StdioClientTransport } = await mcpSdk();
  const transport = new StdioClientTransport({
    command: spec.command,
    args: spec.args,
    env,
    ...(spec.cwd ? { cwd: isAbsolute(spec.cwd) ? spec.cwd : resolve(configDir, spec.cwd) } : {}),
    stderr: 'pipe',
  });
  let tail = '';
  transport.stderr?.on('data', (chunk: Buffer | string) => {
    tail = `${tail}${chunk.toString()}`.slice(-STDERR_TAIL_CHARS);
  });
  // Values given in mcp.json (tokens typed in literally) never reach the log through the server's own messages.
  const hidden = Object.values(env).filter((v) => v.length >= 6);
  const redacted = () => hidden.reduce((text, v) => text.split(v).join('[redacted]'), tail.trim());
  return { transport, pid: () => transport.pid, stderrTail: redacted };
}

/** A Streamable HTTP session; every request carries the server's `headers` (with the user's secrets resolved). */
async function openHttp(spec: McpHttpSpec, headers: Record<string, string>): Promise<OpenedTransport> {
  const { StreamableHTTPClientTransport } = await mcpSdk();
  return { transport: new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers } }) };
}

/** A fresh transport for `spec` with `values` as its env (stdio) or headers (HTTP), secrets already resolved. */
export function openTransport(
  spec: McpServerSpec,
  values: Record<string, string>,
  configDir: string,
): Promise<OpenedTransport> {
  return spec.kind === 'stdio' ? openStdio(spec, values, configDir) : openHttp(spec, values);
}

/** The values of a server that may hold secrets: its env (stdio) or headers (HTTP). */
export function secretBearing(spec: McpServerSpec): Record<string, string> {
  return spec.kind === 'stdio' ? spec.env : spec.headers;
}
