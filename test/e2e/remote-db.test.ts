/**
 * The real entry point on a remote libSQL database: DATABASE_URL points at test/support/fake-sqld.ts (Hrana over
 * HTTP, backed by a real libSQL file) and DATABASE_AUTH_TOKEN carries its token.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { vectorFromBlob } from '../../src/vectors/vectors.ts';
import { botEnv, startBot } from '../support/child-bot.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { closedPort, createFakeSqld, readFile } from '../support/fake-sqld.ts';
import { createFakeTelegram } from '../support/fake-telegram.ts';

const USER = 5151;
const TOKEN = 'sqld-e2e-secret-token-789';

test('e2e: the real entry point on a remote libsql:// database answers, and both sides land in the server file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-remote-e2e-'));
  const dbPath = join(dir, 'server.db');
  const sqld = await createFakeSqld({ dbPath, authToken: TOKEN });
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: `Remote echo: ${req.lastUserText}` }));
  const url = `libsql://127.0.0.1:${sqld.port}?tls=0`;
  const bot = await startBot({
    env: botEnv(tg, gemini, url, { DATABASE_AUTH_TOKEN: TOKEN, ALLOWED_USER_IDS: String(USER), PORT: '0' }),
  });
  try {
    tg.sendUserMessage({ chatId: USER, text: 'hello over the remote database' });
    const reply = await tg.waitForBotMessage(USER, (m) => /Remote echo: hello over the remote database/.test(m.text), {
      timeoutMs: 15000,
    });
    assert.ok(reply.messageId > 0, 'the reply was delivered');
    // Message vectors are written after the turn; wait for them to reach the server before stopping.
    await tg.waitFor(() => readFile(dbPath, 'SELECT 1 FROM memory_vectors').length >= 1, {
      timeoutMs: 10000,
      label: 'message vectors stored',
    });

    const exit = await bot.kill('SIGTERM', 8000);
    assert.equal(exit.code, 0, bot.logs().slice(-20).join('\n'));

    const ready = bot.jsonLogs().find((l) => l.msg === 'database ready');
    assert.ok(ready, 'the bot logged that the database is ready');
    assert.equal(ready.kind, 'remote');
    assert.equal(ready.database, `libsql://127.0.0.1:${sqld.port}`, 'logged without the query string');
    assert.ok(!bot.logs().some((l) => l.includes(TOKEN)), 'the database token is never printed');

    assert.ok(sqld.requests.length > 0, 'the bot talked to the fake sqld');
    assert.ok(
      sqld.requests.every((r) => r.status === 200),
      `every request succeeded: ${JSON.stringify(sqld.requests.filter((r) => r.status !== 200).slice(0, 3))}`,
    );
    const sqlErrors = sqld.requests.flatMap((r) => r.errors);
    assert.deepEqual(sqlErrors, [], 'no statement the app sent failed on the server');
    assert.ok(
      sqld.requests.some((r) => r.withBaton),
      'interactive transactions continued their streams over HTTP',
    );
    assert.equal(sqld.openStreams(), 0, 'the bot closed every stream on shutdown');

    // The server's own database file (read directly, not over HTTP) holds the turn.
    const versions = readFile<{ version: number }>(dbPath, 'SELECT version FROM schema_migrations');
    assert.ok(versions.length >= 7, `migrations applied on the server (${versions.length})`);
    assert.deepEqual(
      readFile<{ state: string }>(dbPath, 'SELECT state FROM updates').map((r) => r.state),
      ['done'],
    );
    const messages = readFile<{ role: string; text: string }>(
      dbPath,
      'SELECT role, text FROM memory_messages ORDER BY id',
    );
    assert.deepEqual(
      messages.map((m) => m.role),
      ['user', 'model'],
    );
    assert.match(messages[0]?.text ?? '', /hello over the remote database/);
    assert.match(messages[1]?.text ?? '', /Remote echo: hello over the remote database/);
    const vectors = readFile<{ vec: Uint8Array }>(dbPath, 'SELECT vec FROM memory_vectors');
    for (const { vec } of vectors) {
      const v = vectorFromBlob(vec);
      assert.ok(v, 'a stored message vector decodes');
      assert.equal(v.length, 768);
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 0.05, `unit length after the HTTP round trip (${norm})`);
    }
  } finally {
    if (!bot.hasExited()) await bot.kill('SIGKILL');
    await tg.close();
    await gemini.close();
    await sqld.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('e2e: an unreachable remote database or a rejected token stops the entry point with a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-remote-e2e-'));
  const sqld = await createFakeSqld({ dbPath: join(dir, 'server.db'), authToken: TOKEN });
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  try {
    const port = await closedPort();
    const down = await startBot({
      env: botEnv(tg, gemini, `http://127.0.0.1:${port}`, { DATABASE_AUTH_TOKEN: TOKEN, PORT: '0' }),
      waitForPollMs: 0,
    });
    const downExit = await down.exited;
    assert.notEqual(downExit.code, 0, 'non-zero exit');
    const downOut = down.logs().join('\n');
    assert.match(downOut, new RegExp(`Cannot use database http://127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    assert.ok(!downOut.includes(TOKEN), 'the token is never printed');
    assert.ok(!tg.calls.some((c) => c.method === 'getUpdates'), 'the bot never started polling');

    const rejected = await startBot({
      env: botEnv(tg, gemini, sqld.url, { DATABASE_AUTH_TOKEN: 'not-the-right-token-000', PORT: '0' }),
      waitForPollMs: 0,
    });
    const rejectedExit = await rejected.exited;
    assert.notEqual(rejectedExit.code, 0, 'non-zero exit');
    const rejectedOut = rejected.logs().join('\n');
    assert.match(rejectedOut, /rejected the credentials: check DATABASE_AUTH_TOKEN/);
    assert.ok(!rejectedOut.includes('not-the-right-token-000'), 'the given token is never printed');
    assert.ok(!rejectedOut.includes(TOKEN), 'the server token is never printed');
    assert.ok(sqld.requests.length > 0 && sqld.requests.every((r) => r.status === 401), 'the server refused the bot');
  } finally {
    await tg.close();
    await gemini.close();
    await sqld.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
