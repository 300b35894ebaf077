/**
 * Issue 16, point 1: the MCP client against REAL servers (the registry's server-everything, server-filesystem on a
 * temp directory, server-memory), run as child processes over stdio, and a Streamable HTTP server started here with
 * the SDK's McpServer. The agent tools are called the way the agent loop calls them (parse, then execute with a
 * ToolContext); the whole-app flow is in mcp-app.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { Tool, ToolContext } from '../../src/agents/tool.ts';
import { type McpConfig, mcpConfigSchema } from '../../src/config/mcp.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { UserSecrets } from '../../src/core/secrets.ts';
import { type Integrations, createIntegrations } from '../../src/integrations/integrations.ts';
import { repoRoot } from '../support/child-bot.ts';
import { closeServer, listen } from '../support/http-util.ts';
import { createManualClock } from '../support/manual-clock.ts';

/** `${secret:<name>}` as mcp.json writes it. */
const ref = (name: string): string => `$${'{'}secret:${name}}`;

const BIN = resolve(repoRoot, 'node_modules/.bin');
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A UserSecrets backed by a Map: the port the real secret store implements (src/secrets), for these tests only. */
function mapSecrets(entries: [number, string, string][]): UserSecrets & { set(u: number, n: string, v: string): void } {
  const map = new Map(entries.map(([u, n, v]) => [`${u}:${n}`, v]));
  return {
    get: async (userId, name) => map.get(`${userId}:${name}`),
    values: async (userId) => [...map.entries()].filter(([k]) => k.startsWith(`${userId}:`)).map(([, v]) => v),
    set: (u, n, v) => map.set(`${u}:${n}`, v),
  };
}

function ctxFor(userId: number, signal = new AbortController().signal): ToolContext {
  return {
    userId,
    chat: { chatId: userId, type: 'private' },
    timezone: 'UTC',
    turnId: 't1',
    agent: 'assistant',
    callId: 'c1',
    clock: systemClock,
    log,
    signal,
    progress: () => undefined,
    suspend: () => {
      throw new Error('no suspend here');
    },
  };
}

async function waitFor<T>(fn: () => T | undefined | false, label: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function toolOf(integrations: Integrations, agent: string, name: string): Tool {
  const tool = integrations.toolsFor(agent).find((t) => t.name === name);
  assert.ok(tool, `${name} is one of ${agent}'s tools: ${integrations.toolsFor(agent).map((t) => t.name)}`);
  return tool;
}

async function call(tool: Tool, args: unknown, userId = 1): Promise<unknown> {
  const parsed = tool.parse(args);
  assert.ok(parsed.ok, `arguments parse: ${parsed.ok ? '' : parsed.error}`);
  return tool.execute(parsed.value, ctxFor(userId));
}

const AGENTS = [
  { name: 'assistant', mcp: [], builtinTools: [] },
  { name: 'planner', mcp: ['memory'], builtinTools: [] },
];

describe('MCP servers as agent tools (real stdio servers)', () => {
  let dir: string;
  let integrations: Integrations;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-fs-'));
    const config: McpConfig = mcpConfigSchema.parse({
      mcpServers: {
        everything: { command: join(BIN, 'mcp-server-everything'), timeoutMs: 1500 },
        files: { command: join(BIN, 'mcp-server-filesystem'), args: [dir] },
        memory: { command: join(BIN, 'mcp-server-memory'), env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } },
      },
    });
    integrations = createIntegrations({ mcp: config, agents: AGENTS, configDir: dir, clock: systemClock, log });
    integrations.start();
  });
  after(async () => {
    await integrations?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists each server\'s tools as mcp_<server>_<tool>, for the agents naming it, else for "assistant"', async () => {
    await waitFor(() => integrations.status().every((s) => s.state === 'ready'), 'three servers ready');
    const assistant = integrations.toolsFor('assistant').map((t) => t.name);
    const planner = integrations.toolsFor('planner').map((t) => t.name);
    assert.ok(assistant.includes('mcp_everything_echo'), assistant.join(', '));
    assert.ok(assistant.includes('mcp_files_write_file'));
    assert.ok(!assistant.some((n) => n.startsWith('mcp_memory_')), 'memory is named by the planner only');
    assert.ok(planner.includes('mcp_memory_create_entities'), planner.join(', '));
    assert.ok(!planner.some((n) => n.startsWith('mcp_files_')));
    assert.deepEqual(integrations.toolsFor('router'), [], 'the router never gets MCP tools');
    for (const t of integrations.toolsFor('assistant')) {
      assert.equal(t.untrusted, true);
      assert.equal(t.declaration.parameters.type, 'object');
      assert.ok(!('$schema' in t.declaration.parameters), 'no $schema sent to Gemini');
    }
  });

  it('calls a tool of each server; annotations set readOnly; results name their server', async () => {
    const echo = toolOf(integrations, 'assistant', 'mcp_everything_echo');
    assert.deepEqual(await call(echo, { message: 'hello' }), { result: 'Echo: hello' });
    assert.equal(echo.readOnly, true);
    assert.equal(echo.sourceOf?.({}, {}), 'MCP server everything');

    const write = toolOf(integrations, 'assistant', 'mcp_files_write_file');
    assert.equal(write.readOnly, false, 'write_file is not read-only');
    await call(write, { path: join(dir, 'note.txt'), content: 'milk' });
    assert.equal(readFileSync(join(dir, 'note.txt'), 'utf8'), 'milk');
    const read = toolOf(integrations, 'assistant', 'mcp_files_read_text_file');
    assert.deepEqual(await call(read, { path: join(dir, 'note.txt') }), { result: 'milk' });

    const create = toolOf(integrations, 'planner', 'mcp_memory_create_entities');
    await call(create, { entities: [{ name: 'Alice', entityType: 'person', observations: ['likes tea'] }] });
    const search = toolOf(integrations, 'planner', 'mcp_memory_search_nodes');
    const found = (await call(search, { query: 'Alice' })) as { result: string };
    assert.match(found.result, /likes tea/);
  });

  it("checks arguments against the tool's schema before calling, with an error the model can act on", () => {
    const echo = toolOf(integrations, 'assistant', 'mcp_everything_echo');
    const missing = echo.parse({});
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? '' : missing.error, /message: required/);
    const wrong = echo.parse({ message: 42 });
    assert.match(wrong.ok ? '' : wrong.error, /message: expected string, got integer/);
  });

  it("a slow tool is cancelled by the call's signal (the agent loop aborts it at the server's timeoutMs)", async () => {
    const slow = toolOf(integrations, 'assistant', 'mcp_everything_trigger-long-running-operation');
    assert.equal(slow.timeoutMs, 1500, "the server's timeoutMs is the tool's deadline");
    const ac = new AbortController();
    const started = Date.now();
    const pending = slow.execute({ duration: 20, steps: 2 }, ctxFor(1, ac.signal));
    setTimeout(() => ac.abort(new Error('timed out')), 200);
    await assert.rejects(Promise.resolve(pending));
    assert.ok(Date.now() - started < 10_000, 'the call did not wait for the 20 s operation');
    // The server is still usable afterwards.
    assert.deepEqual(await call(toolOf(integrations, 'assistant', 'mcp_everything_echo'), { message: 'x' }), {
      result: 'Echo: x',
    });
  });

  it('caps a long result with a note to the model', async () => {
    const write = toolOf(integrations, 'assistant', 'mcp_files_write_file');
    await call(write, { path: join(dir, 'big.txt'), content: 'y'.repeat(50_000) });
    const read = toolOf(integrations, 'assistant', 'mcp_files_read_text_file');
    const out = (await call(read, { path: join(dir, 'big.txt') })) as { result: string };
    assert.ok(out.result.length < 21_000, `capped: ${out.result.length}`);
    assert.match(out.result, /output truncated: the tool returned 50000 characters/);
  });

  it('a tool error comes back as an error for the model', async () => {
    const read = toolOf(integrations, 'assistant', 'mcp_files_read_text_file');
    await assert.rejects(
      Promise.resolve(read.execute({ path: '/etc/passwd' }, ctxFor(1))),
      /The tool reported an error: .*(denied|outside|not allowed)/i,
    );
  });
});

describe('a crashed server reconnects with backoff; its tools answer "unavailable" meanwhile', () => {
  it('kill the child: calls fail fast as unavailable, then after the backoff the server is back', async () => {
    const clock = createManualClock(Date.now());
    const dir = mkdtempSync(join(tmpdir(), 'mcp-mem-'));
    const config = mcpConfigSchema.parse({
      mcpServers: {
        memory: { command: join(BIN, 'mcp-server-memory'), env: { MEMORY_FILE_PATH: join(dir, 'm.jsonl') } },
      },
    });
    const integrations = createIntegrations({
      mcp: config,
      agents: AGENTS.slice(0, 1),
      configDir: dir,
      clock,
      log,
      backoff: { baseMs: 5000, maxMs: 5000 },
    });
    try {
      integrations.start();
      const server = integrations.server('memory');
      assert.ok(server);
      await waitFor(() => server.status().state === 'ready', 'memory ready');
      const read = toolOf(integrations, 'assistant', 'mcp_memory_read_graph');
      await call(read, {});
      const [pid] = server.pids();
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await waitFor(() => server.status().state === 'down', 'memory down');
      await assert.rejects(Promise.resolve(read.execute({}, ctxFor(1))), /unavailable right now.*reconnecting/);
      assert.equal(server.status().state, 'down', 'no reconnect before the backoff delay');
      await clock.advance(5000);
      await waitFor(() => server.status().state === 'ready', 'memory back');
      assert.notEqual(server.pids()[0], pid, 'a new process');
      assert.deepEqual(await call(read, {}), (await call(read, {})) as object);
    } finally {
      await integrations.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stop() ends every child process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-stop-'));
    const config = mcpConfigSchema.parse({ mcpServers: { e: { command: join(BIN, 'mcp-server-everything') } } });
    const integrations = createIntegrations({ mcp: config, agents: AGENTS, configDir: dir, clock: systemClock, log });
    integrations.start();
    const server = integrations.server('e');
    await waitFor(() => server?.status().state === 'ready', 'ready');
    const [pid] = server?.pids() ?? [];
    assert.ok(pid);
    await integrations.stop();
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'child gone');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("secret references in env: a per-user process with the user's secret", () => {
  it("the secret reaches the server's environment, per user; a missing one tells the model to /connect", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-sec-'));
    const secrets = mapSecrets([[1, 'todo', 'tok-alice-1234']]);
    const config = mcpConfigSchema.parse({
      mcpServers: {
        todo: { command: join(BIN, 'mcp-server-everything'), env: { API_TOKEN: ref('todo'), PLAIN: 'p' } },
      },
    });
    const integrations = createIntegrations({
      mcp: config,
      agents: AGENTS,
      configDir: dir,
      clock: systemClock,
      log,
      secrets,
    });
    try {
      integrations.start();
      const server = integrations.server('todo');
      assert.ok(server);
      assert.equal(server.status().perUser, true);
      assert.deepEqual(server.status().secrets, ['todo']);
      // The tools are listed by a process started without anyone's secret, which is then stopped.
      await waitFor(() => server.status().tools.length > 0 && server.pids().length === 0, 'tools listed');
      const env = toolOf(integrations, 'assistant', 'mcp_todo_get-env');

      const alice = (await call(env, {}, 1)) as { result: string };
      assert.match(alice.result, /"API_TOKEN": "tok-alice-1234"/);
      assert.match(alice.result, /"PLAIN": "p"/);
      assert.ok(!/GEMINI|TELEGRAM/.test(alice.result), "the bot's own environment is not passed on");

      await assert.rejects(
        Promise.resolve(env.execute({}, ctxFor(2))),
        /not connected for this user: ask them to send \/connect todo/,
      );
      secrets.set(2, 'todo', 'tok-bob-5678');
      const bob = (await call(env, {}, 2)) as { result: string };
      assert.match(bob.result, /"API_TOKEN": "tok-bob-5678"/);
      assert.equal(server.pids().length, 2, 'one process per user');
      assert.equal(server.status().sessions, 2);

      // A changed secret is picked up at the next call (a new process for that user).
      secrets.set(1, 'todo', 'tok-alice-NEW');
      assert.match(((await call(env, {}, 1)) as { result: string }).result, /tok-alice-NEW/);
    } finally {
      await integrations.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('per-user sessions end when unused', () => {
  it("a user's process is stopped after idleMs without calls, and starts again at the next call", async () => {
    const clock = createManualClock(Date.now());
    const dir = mkdtempSync(join(tmpdir(), 'mcp-idle-'));
    const config = mcpConfigSchema.parse({
      mcpServers: { todo: { command: join(BIN, 'mcp-server-everything'), env: { API_TOKEN: ref('todo') } } },
    });
    const integrations = createIntegrations({
      mcp: config,
      agents: AGENTS,
      configDir: dir,
      clock,
      log,
      secrets: mapSecrets([[1, 'todo', 'tok-1']]),
      idleMs: 60_000,
    });
    try {
      integrations.start();
      const server = integrations.server('todo');
      assert.ok(server);
      await waitFor(() => server.status().tools.length > 0 && server.pids().length === 0, 'tools listed');
      const echo = toolOf(integrations, 'assistant', 'mcp_todo_echo');
      await call(echo, { message: 'a' }, 1);
      const [pid] = server.pids();
      assert.ok(pid);
      await clock.advance(59_000);
      assert.deepEqual(server.pids(), [pid], 'still running before idleMs');
      await call(echo, { message: 'b' }, 1);
      await clock.advance(59_000);
      assert.equal(server.status().sessions, 1, 'a call restarts the idle wait');
      await clock.advance(1_000);
      await waitFor(() => server.status().sessions === 0, 'session closed');
      await waitFor(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 'process gone');
      assert.deepEqual(await call(echo, { message: 'c' }, 1), { result: 'Echo: c' });
    } finally {
      await integrations.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a Streamable HTTP server works like a stdio one', () => {
  let http: Server;
  let url = '';
  const seenAuth: string[] = [];

  before(async () => {
    http = createServer(async (req, res) => {
      seenAuth.push(String(req.headers.authorization ?? ''));
      // Stateless: a server and transport per request, as the SDK's examples do.
      const server = new McpServer({ name: 'notes', version: '1.0.0' });
      server.registerTool(
        'add_note',
        {
          description: 'Adds a note',
          inputSchema: { text: z.string(), tags: z.array(z.string()).optional() },
        },
        async ({ text }) => ({ content: [{ type: 'text', text: `saved: ${text}` }] }),
      );
      server.registerTool(
        'list_notes',
        { description: 'Lists notes', annotations: { readOnlyHint: true } },
        async () => ({ content: [{ type: 'text', text: 'milk, bread' }] }),
      );
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    });
    url = `${await listen(http)}/mcp`;
  });
  after(async () => {
    await closeServer(http);
  });

  it('a server that goes away answers "unavailable", and is reconnected after the backoff', async () => {
    const clock = createManualClock(Date.now());
    const second = createServer((req, res) => http.emit('request', req, res));
    const base = await listen(second);
    const config = mcpConfigSchema.parse({ mcpServers: { notes: { url: `${base}/mcp` } } });
    const integrations = createIntegrations({
      mcp: config,
      agents: AGENTS,
      configDir: tmpdir(),
      clock,
      log,
      backoff: { baseMs: 3000, maxMs: 3000 },
    });
    try {
      integrations.start();
      await waitFor(() => integrations.status()[0]?.state === 'ready', 'ready');
      const add = toolOf(integrations, 'assistant', 'mcp_notes_add_note');
      assert.deepEqual(await call(add, { text: 'a' }), { result: 'saved: a' });
      second.closeAllConnections();
      await closeServer(second);
      await assert.rejects(Promise.resolve(add.execute({ text: 'b' }, ctxFor(1))), /unavailable right now/);
      assert.equal(integrations.status()[0]?.state, 'down');
      await assert.rejects(Promise.resolve(add.execute({ text: 'c' }, ctxFor(1))), /unavailable right now/);
      await new Promise<void>((r) => second.listen(Number(new URL(base).port), '127.0.0.1', () => r()));
      await clock.advance(3000);
      await waitFor(() => integrations.status()[0]?.state === 'ready', 'reconnected');
      assert.deepEqual(await call(add, { text: 'd' }), { result: 'saved: d' });
    } finally {
      await integrations.stop();
      await closeServer(second).catch(() => undefined);
    }
  });

  it('lists and calls its tools; headers with a secret are resolved per user', async () => {
    const config = mcpConfigSchema.parse({
      mcpServers: { notes: { url, headers: { Authorization: 'Bearer ' + ref('notes') } } },
    });
    const integrations = createIntegrations({
      mcp: config,
      agents: AGENTS,
      configDir: tmpdir(),
      clock: systemClock,
      log,
      secrets: mapSecrets([[1, 'notes', 'n-secret-1']]),
    });
    try {
      integrations.start();
      await waitFor(() => integrations.status()[0]?.tools.length === 2, 'notes tools');
      const add = toolOf(integrations, 'assistant', 'mcp_notes_add_note');
      assert.equal(add.readOnly, false);
      assert.equal(toolOf(integrations, 'assistant', 'mcp_notes_list_notes').readOnly, true);
      assert.deepEqual(await call(add, { text: 'milk' }, 1), { result: 'saved: milk' });
      assert.ok(seenAuth.includes('Bearer n-secret-1'), `the user's header reached the server: ${seenAuth}`);
      assert.ok(
        seenAuth.some((a) => a.trim() === 'Bearer'),
        `tools were listed without anyone's secret: ${seenAuth}`,
      );
      await assert.rejects(Promise.resolve(add.execute({ text: 'x' }, ctxFor(2))), /\/connect notes/);
    } finally {
      await integrations.stop();
    }
  });
});
