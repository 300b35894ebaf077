/**
 * Issue 16, secrets and MCP together, through the whole app with the REAL secret store: a token the user adds with
 * /connect reaches the environment of their own MCP server process (`"env": {"API_TOKEN": "${secret:todo}"}`), and
 * never a Gemini request (the server's get-env tool echoes its whole environment back: the secret guard redacts it
 * before the model reads it), nor a log line.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../support/child-bot.ts';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import { lastFunctionResponses, roleOf } from './acceptance-support.ts';

const ALICE = 7701;
const BOB = 7702;
const KEY = randomBytes(32).toString('base64');
const VALUE = 'tok-Quokka-Lantern-55120';
const BIN = resolve(repoRoot, 'node_modules/.bin');
const USE = /\buse (mcp_\S+) (\{.*\})/s;

function route(req: RecordedRequest): Reply | undefined {
  const role = roleOf(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  const m = USE.exec(req.lastUserText);
  if (role === 'router') {
    return m ? { functionCalls: [{ name: 'agent_assistant', args: { task: m[0] } }] } : { text: 'router answer' };
  }
  if (role === 'assistant') {
    const [fr] = lastFunctionResponses(req);
    if (fr) return { text: `RESULT of ${fr.name}: ${JSON.stringify(fr.response)}` };
    if (m) return { functionCalls: [{ name: m[1] as string, args: JSON.parse(m[2] as string) }] };
  }
  return undefined;
}

function environOf(pid: number): string {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').join('\n');
}

describe('a /connect secret reaches the user’s MCP server, and nothing else', () => {
  let tg: FakeTelegram;
  let gemini: FakeGemini;
  let app: WholeApp;
  let configDir: string;
  const lines: string[] = [];

  before(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'mcp-secrets-config-'));
    cpSync(resolve(repoRoot, 'config'), configDir, { recursive: true });
    const server = { command: join(BIN, 'mcp-server-everything'), env: { API_TOKEN: `$${'{'}secret:todo}` } };
    writeFileSync(join(configDir, 'mcp.json'), JSON.stringify({ mcpServers: { todo: server } }));
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(route);
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = await startWholeApp({
      tg,
      gemini,
      allowedUserIds: [ALICE, BOB],
      configDir,
      env: { SECRETS_KEY: KEY },
      log: { level: 'trace', destination },
    });
    // Tools exist once the server listed them (it starts in the background).
    const end = Date.now() + 30_000;
    while (!app.app.integrations.status().every((st) => st.state === 'ready')) {
      if (Date.now() > end) throw new Error('the todo server did not connect');
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('Alice’s token is in her server’s environment; the model and the logs never see it; Bob is told to connect', async () => {
    tg.sendUserMessage({ chatId: ALICE, userId: ALICE, firstName: 'Alice', text: '/connect todo' });
    await tg.waitForBotMessage(ALICE, (m) => /Send the value for “todo”/.test(m.text), { timeoutMs: 20_000 });
    tg.sendUserMessage({ chatId: ALICE, userId: ALICE, firstName: 'Alice', text: VALUE });
    await tg.waitForBotMessage(ALICE, (m) => /Saved “todo”/.test(m.text), { timeoutMs: 20_000 });

    tg.sendUserMessage({ chatId: ALICE, userId: ALICE, firstName: 'Alice', text: 'use mcp_todo_get-env {}' });
    const answer = await tg.waitForBotMessage(ALICE, (m) => m.text.startsWith('RESULT of mcp_todo_get-env'), {
      timeoutMs: 30_000,
    });
    assert.ok(!answer.text.includes(VALUE), 'the answer does not show the token');

    const pids = app.app.integrations.server('todo')?.pids() ?? [];
    assert.ok(pids.length > 0, 'a server process runs for Alice');
    assert.ok(
      pids.some((pid) => environOf(pid).includes(`API_TOKEN=${VALUE}`)),
      'her process has the decrypted token in its environment',
    );
    assert.ok(
      pids.every((pid) => !environOf(pid).includes(`SECRETS_KEY=`)),
      'and none of the bot’s own variables',
    );

    const asked = JSON.stringify(gemini.requests.map((r) => r.body));
    assert.ok(asked.includes('get-env'), 'the model did read the tool’s result');
    assert.ok(!asked.includes(VALUE), 'the token never reached a Gemini request');
    assert.ok(!lines.some((l) => l.includes(VALUE)), 'nor a log line (trace level)');

    // Bob has no token: the tool tells the model to ask him to /connect, and no process gets Alice's.
    tg.sendUserMessage({ chatId: BOB, userId: BOB, firstName: 'Bob', text: 'use mcp_todo_get-env {}' });
    const bob = await tg.waitForBotMessage(BOB, (m) => m.text.startsWith('RESULT of mcp_todo_get-env'), {
      timeoutMs: 30_000,
    });
    assert.match(bob.text, /\/connect todo/);
  });
});
