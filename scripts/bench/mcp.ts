/**
 * MCP integrations (issue 16):
 * - tool-call overhead through MCP: an agent tool `mcp_<server>_echo` called the way the agent loop calls it (parse,
 *   execute), to the registry's server-everything over stdio, and to an in-process Streamable HTTP server (the SDK's
 *   McpServer on node:http); p50 and p95 of round trips;
 * - idle RSS of the real entry point (`src/main.ts` as a child process) with three stdio servers configured
 *   (everything, filesystem, memory), the servers' own processes reported separately, and the same bot without
 *   servers for comparison.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { Tool, ToolContext } from '../../src/agents/tool.ts';
import { mcpConfigSchema } from '../../src/config/mcp.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { type Integrations, createIntegrations } from '../../src/integrations/integrations.ts';
import { type ChildBot, botEnv, repoRoot, startBot } from '../../test/support/child-bot.ts';
import { createFakeGemini } from '../../test/support/fake-gemini.ts';
import { createFakeTelegram } from '../../test/support/fake-telegram.ts';
import { closeServer, listen } from '../../test/support/http-util.ts';
import { tempDbUrl } from '../../test/support/temp-db.ts';
import { type BenchRow, median, percentile } from './row.ts';

const AREA = 'mcp';
const BIN = resolve(repoRoot, 'node_modules/.bin');
const CALLS = 300;
const WARMUP = 30;
const IDLE_MS = 10_000;
const log = createLogger({ level: 'silent' });
const round2 = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ctx: ToolContext = {
  userId: 1,
  chat: { chatId: 1, type: 'private' },
  timezone: 'UTC',
  turnId: 'bench',
  agent: 'assistant',
  callId: 'c',
  clock: systemClock,
  log,
  signal: new AbortController().signal,
  progress: () => undefined,
  suspend: () => {
    throw new Error('no suspend');
  },
};

async function ready(integrations: Integrations): Promise<void> {
  const end = Date.now() + 30_000;
  while (!integrations.status().every((s) => s.state === 'ready')) {
    if (Date.now() > end) throw new Error(`servers not ready: ${JSON.stringify(integrations.status())}`);
    await sleep(20);
  }
}

/** Round trips of one tool call, after a warm-up (ms). */
async function timeCalls(tool: Tool, args: Record<string, unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const t0 = performance.now();
    const parsed = tool.parse(args);
    if (!parsed.ok) throw new Error(parsed.error);
    // A fresh signal per call, as the agent loop gives each call its own.
    await tool.execute(parsed.value, { ...ctx, signal: new AbortController().signal });
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  return times;
}

/** The floor: the SDK's own client calling the same tool, without our layer (ms per round trip). */
async function rawCalls(transport: Transport): Promise<number[]> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  const times: number[] = [];
  try {
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const t0 = performance.now();
      await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      if (i >= WARMUP) times.push(performance.now() - t0);
    }
  } finally {
    await client.close();
  }
  return times;
}

function toolNamed(integrations: Integrations, name: string): Tool {
  const tool = integrations.toolsFor('assistant').find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool;
}

function notesServer(): Server {
  return createServer(async (req, res) => {
    const server = new McpServer({ name: 'bench', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes', inputSchema: { message: z.string() } }, async (a) => ({
      content: [{ type: 'text', text: `Echo: ${a.message}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
}

async function callOverhead(): Promise<BenchRow[]> {
  const http = notesServer();
  const url = `${await listen(http)}/mcp`;
  const mcp = mcpConfigSchema.parse({
    mcpServers: { everything: { command: join(BIN, 'mcp-server-everything') }, local: { url } },
  });
  const agents = [{ name: 'assistant', mcp: [], builtinTools: [] }];
  const integrations = createIntegrations({ mcp, agents, configDir: tmpdir(), clock: systemClock, log });
  try {
    integrations.start();
    await ready(integrations);
    const stdio = await timeCalls(toolNamed(integrations, 'mcp_everything_echo'), { message: 'hi' });
    const overHttp = await timeCalls(toolNamed(integrations, 'mcp_local_echo'), { message: 'hi' });
    const rawStdio = await rawCalls(
      new StdioClientTransport({ command: join(BIN, 'mcp-server-everything'), stderr: 'ignore' }),
    );
    const rawHttp = await rawCalls(new StreamableHTTPClientTransport(new URL(url)));
    return [
      {
        area: AREA,
        name: 'tool call through MCP, stdio round trip (p50)',
        value: round2(median(stdio)),
        unit: 'ms',
        target: '≤ 10 ms',
        pass: median(stdio) <= 10,
        note: `server-everything "echo" as a child process; p95 ${round2(percentile(stdio, 95))} ms; ${CALLS} calls after ${WARMUP} warm-up; parse + execute of the agent tool; the SDK client alone: p50 ${round2(median(rawStdio))} ms`,
      },
      {
        area: AREA,
        name: 'tool call through MCP, Streamable HTTP in-process (p50)',
        value: round2(median(overHttp)),
        unit: 'ms',
        target: '≤ SDK client alone + 5 ms',
        pass: median(overHttp) <= median(rawHttp) + 5,
        note: `SDK McpServer on node:http in this process (stateless, a server per request, JSON responses); p95 ${round2(percentile(overHttp, 95))} ms; the SDK client alone: p50 ${round2(median(rawHttp))} ms`,
      },
    ];
  } finally {
    await integrations.stop();
    await closeServer(http);
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of `pid` (from /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) out.push(c, ...descendants(c));
  }
  return out;
}

async function idleBot(withServers: boolean): Promise<{ bot: number; children: number; count: number }> {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl(`bench-mcp-${withServers ? 'on' : 'off'}`);
  const configDir = mkdtempSync(join(tmpdir(), 'bench-mcp-config-'));
  const files = mkdtempSync(join(tmpdir(), 'bench-mcp-files-'));
  cpSync(resolve(repoRoot, 'config'), configDir, { recursive: true });
  const servers = {
    everything: { command: join(BIN, 'mcp-server-everything') },
    files: { command: join(BIN, 'mcp-server-filesystem'), args: [files] },
    memory: { command: join(BIN, 'mcp-server-memory'), env: { MEMORY_FILE_PATH: join(files, 'm.jsonl') } },
  };
  writeFileSync(join(configDir, 'mcp.json'), JSON.stringify({ mcpServers: withServers ? servers : {} }));
  let bot: ChildBot | undefined;
  try {
    bot = await startBot({ env: botEnv(tg, gemini, db.url, { CONFIG_DIR: configDir }), telegram: tg });
    if (withServers)
      for (let i = 0; i < 3; i++)
        await bot.waitForLog((_l, json) => json?.msg === 'MCP server connected' && bot?.logs() !== undefined, 30_000);
    await sleep(IDLE_MS);
    const pid = bot.pid as number;
    const kids = descendants(pid);
    return { bot: rssMb(pid), children: kids.reduce((sum, k) => sum + rssMb(k), 0), count: kids.length };
  } finally {
    await bot?.kill('SIGTERM', 5000);
    await tg.close();
    await gemini.close();
    await db.cleanup();
    rmSync(configDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
}

async function idleRss(): Promise<BenchRow[]> {
  const without = await idleBot(false);
  const withServers = await idleBot(true);
  return [
    {
      area: AREA,
      name: `idle RSS of the bot with three stdio MCP servers (after ${IDLE_MS / 1000} s)`,
      value: round2(withServers.bot),
      unit: 'MB',
      target: '≤ the bot without servers + 20 MB',
      pass: withServers.bot <= without.bot + 20,
      note: `VmRSS of src/main.ts from /proc; the same bot without servers: ${round2(without.bot)} MB`,
    },
    {
      area: AREA,
      name: 'idle RSS of the three MCP server processes (sum)',
      value: round2(withServers.children),
      unit: 'MB',
      note: `${withServers.count} child processes (server-everything, server-filesystem, server-memory; each a Node process)`,
    },
  ];
}

/** Runs the MCP benchmarks. */
export async function run(): Promise<BenchRow[]> {
  return [...(await callOverhead()), ...(await idleRss())];
}
