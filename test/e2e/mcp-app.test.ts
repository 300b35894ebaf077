/**
 * Issue 16, point 1, through the whole app (src/app.ts wired as main.ts wires it) against the fake Bot API and the
 * fake Gemini, with REAL MCP servers from the registry as child processes (config/mcp.json in a temp CONFIG_DIR):
 * the model calls a tool of each server; a write tool asks for approval first (read-only tools don't); a slow tool
 * times out with a clear error to the model; a killed server comes back; /tools lists the servers; shutdown stops
 * every child process. The fake Gemini is scripted by request content: "use <tool> <json>" in the user's text makes
 * the router delegate and the agent call that tool; the agent then answers with the tool's response.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../support/child-bot.ts';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import { buttonsOf, lastFunctionResponses, roleOf } from './acceptance-support.ts';

const ALICE = 7601;
const BIN = resolve(repoRoot, 'node_modules/.bin');

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;
let configDir: string;
let files: string;

/** "use <tool> <json args>" (to the assistant) or "plan <tool> <json args>" (to the planner). */
const USE = /\b(use|plan) (mcp_\S+) (\{.*\})/s;

function route(req: RecordedRequest): Reply | undefined {
  const role = roleOf(req);
  const responses = lastFunctionResponses(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  const m = USE.exec(req.lastUserText);
  if (role === 'router') {
    if (!m) return { text: 'router answer' };
    return { functionCalls: [{ name: m[1] === 'use' ? 'agent_assistant' : 'agent_planner', args: { task: m[0] } }] };
  }
  if (role === 'assistant' || role === 'planner') {
    const [fr] = responses;
    if (fr) return { text: `RESULT of ${fr.name}: ${JSON.stringify(fr.response)}` };
    if (m) return { functionCalls: [{ name: m[2] as string, args: JSON.parse(m[3] as string) }] };
  }
  return undefined;
}

async function ask(text: string, match: RegExp | ((t: string) => boolean)): Promise<string> {
  const since = tg.transcript(ALICE).at(-1)?.messageId ?? 0;
  tg.sendUserMessage({ chatId: ALICE, firstName: 'Alice', text });
  const test = typeof match === 'function' ? match : (t: string) => match.test(t);
  const reply = await tg.waitForBotMessage(ALICE, (m) => test(m.text), { timeoutMs: 30_000, since });
  return reply.text;
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

const generateRequests = (role: string) =>
  gemini.requests.filter((r) => (r.kind === 'generate' || r.kind === 'stream') && roleOf(r) === role);

describe('MCP servers through the whole app (issue 16)', () => {
  before(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'mcp-app-config-'));
    files = mkdtempSync(join(tmpdir(), 'mcp-app-files-'));
    cpSync(resolve(repoRoot, 'config'), configDir, { recursive: true });
    writeFileSync(
      join(configDir, 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          everything: { command: join(BIN, 'mcp-server-everything'), timeoutMs: 1500 },
          files: { command: join(BIN, 'mcp-server-filesystem'), args: [files] },
          memory: { command: join(BIN, 'mcp-server-memory'), env: { MEMORY_FILE_PATH: join(files, 'memory.jsonl') } },
        },
      }),
    );
    // The planner names the memory server; the other two go to the assistant.
    const roster = JSON.parse(readFileSync(join(configDir, 'agents.json'), 'utf8'));
    roster.agents.find((a: { name: string }) => a.name === 'planner').mcp = ['memory'];
    writeFileSync(join(configDir, 'agents.json'), JSON.stringify(roster));
    writeFileSync(join(files, 'todo.txt'), 'buy milk');
    writeFileSync(
      join(files, 'memory.jsonl'),
      `${JSON.stringify({ type: 'entity', name: 'Alice', entityType: 'person', observations: ['likes green tea'] })}\n`,
    );

    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(route);
    app = await startWholeApp({ tg, gemini, allowedUserIds: [ALICE], configDir });
    await waitFor(
      () => app.app.integrations.status().every((s) => s.state === 'ready'),
      'the three servers connected',
      30_000,
    );
  });
  after(async () => {
    const pids = app
      ? app.app.integrations.status().flatMap((s) => app.app.integrations.server(s.name)?.pids() ?? [])
      : [];
    await app?.close();
    await tg?.close();
    await gemini?.close();
    rmSync(configDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
    // Shutdown stops every child process.
    for (const pid of pids)
      await waitFor(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, `server process ${pid} gone after stop()`);
  });

  it('the model calls a tool of each server, read-only ones without asking; the router never sees MCP tools', async () => {
    const echo = await ask('use mcp_everything_echo {"message":"ping-123"}', /RESULT of/);
    assert.match(echo, /Echo: ping-123/);
    const read = await ask(`use mcp_files_read_text_file {"path":"${join(files, 'todo.txt')}"}`, /RESULT of/);
    assert.match(read, /buy milk/);
    const memory = await ask('plan mcp_memory_search_nodes {"query":"Alice"}', /RESULT of/);
    assert.match(memory, /likes green tea/);
    assert.ok(!tg.transcript(ALICE).some((m) => buttonsOf(m).some((b) => b.data.startsWith('ap:'))), 'no prompt');

    const router = generateRequests('router').at(-1);
    assert.ok(router && !router.toolNames.some((n) => n.startsWith('mcp_')), `router tools: ${router?.toolNames}`);
    const assistant = generateRequests('assistant').at(-1)?.toolNames ?? [];
    assert.ok(assistant.includes('mcp_everything_echo') && assistant.includes('mcp_files_write_file'), `${assistant}`);
    assert.ok(!assistant.some((n) => n.startsWith('mcp_memory_')), "memory is the planner's");
    const planner = generateRequests('planner').at(-1)?.toolNames ?? [];
    assert.ok(planner.includes('mcp_memory_search_nodes'), `${planner}`);
    // The schema Gemini got is the converted one (no $schema).
    const body = JSON.stringify(generateRequests('assistant').at(-1)?.body ?? {});
    assert.ok(body.includes('parametersJsonSchema') && !body.includes('json-schema.org'), 'converted schemas');
  });

  it('a write tool asks for approval first, and runs only after "yes"', async () => {
    const target = join(files, 'note.txt');
    const since = tg.transcript(ALICE).at(-1)?.messageId ?? 0;
    tg.sendUserMessage({
      chatId: ALICE,
      firstName: 'Alice',
      text: `use mcp_files_write_file {"path":"${target}","content":"call mom"}`,
    });
    const prompt = await tg.waitForBotMessage(ALICE, (m) => buttonsOf(m).some((b) => b.data.startsWith('ap:')), {
      timeoutMs: 30_000,
      since,
    });
    assert.equal(existsSync(target), false, 'nothing written before the decision');
    // The tool words its own prompt: the service and the tool, no internal names.
    assert.match(prompt.text, /^Run “[^”]+” on files\?/, prompt.text);
    assert.ok(!prompt.text.includes('mcp_files'), prompt.text);
    const yes = buttonsOf(prompt).find((b) => b.text === 'Run');
    assert.ok(yes, JSON.stringify(buttonsOf(prompt)));
    tg.pressButton({ chatId: ALICE, messageId: prompt.messageId, data: yes.data, userId: ALICE, firstName: 'Alice' });
    await tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('RESULT of mcp_files_write_file'), {
      timeoutMs: 30_000,
      since: prompt.messageId,
    });
    assert.equal(readFileSync(target, 'utf8'), 'call mom');
  });

  it('a slow tool times out with a clear error to the model, and the server still answers afterwards', async () => {
    const text = await ask(
      'use mcp_everything_trigger-long-running-operation {"duration":30,"steps":3}',
      /RESULT of mcp_everything_trigger/,
    );
    assert.match(text, /timed out after 1500 ms/);
    assert.match(await ask('use mcp_everything_echo {"message":"still-here"}', /RESULT of/), /Echo: still-here/);
  });

  it('a killed server comes back, and the next call works', async () => {
    const server = app.app.integrations.server('memory');
    assert.ok(server);
    const [pid] = server.pids();
    assert.ok(pid, 'the memory server runs');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => server.status().state !== 'ready', 'the crash noticed');
    await waitFor(() => server.status().state === 'ready' && server.pids()[0] !== pid, 'reconnected', 30_000);
    const text = await ask('plan mcp_memory_open_nodes {"names":["Alice"]}', /RESULT of/);
    assert.match(text, /likes green tea/);
  });

  it('/tools lists the servers, their state and their tools', async () => {
    const text = await ask('/tools', /Connected services/);
    assert.match(text, /everything: ✅ ready · \d+ tools/);
    assert.match(text, /files: ✅ ready/);
    assert.match(text, /memory: ✅ ready/);
    assert.match(text, /write_file/);
    assert.ok(
      tg.commands().some((c) => c.command === 'tools'),
      'in the command menu',
    );
  });
});
