/**
 * Saving a link fetches through the same net guard as `http_fetch`: private addresses are refused, errors and
 * oversize pages come back as reasons (nothing to store), and when the model asked for the save a redirect to another
 * host is followed only if that host would pass the approval gate without a person.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/core/logger.ts';
import { createLinkFetcher } from '../../src/knowledge/link-fetch.ts';

let server: Server;
let port = 0;
const never = new AbortController().signal;

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/article') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><head><title>Tea</title></head><body><article><p>Green tea at 80 °C.</p></article></body></html>');
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(5000));
    } else if (req.url === '/away') {
      res.writeHead(302, { location: `http://localhost:${port}/article` });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise<void>((r) => server.close(() => r())));

test('the net guard refuses private addresses; allowed, a page comes back with its type and bytes', async () => {
  const guarded = createLinkFetcher();
  assert.deepEqual(await guarded(`http://127.0.0.1:${port}/article`, never), {
    ok: false,
    reason: 'blocked',
    host: '127.0.0.1',
  });
  assert.deepEqual(await guarded('ftp://example.com/x', never), { ok: false, reason: 'invalid_url' });
  assert.deepEqual(await guarded('http://user:pw@example.com/', never), { ok: false, reason: 'invalid_url' });

  const open = createLinkFetcher({ allowPrivate: true, maxBytes: 1000 });
  const page = await open(`http://127.0.0.1:${port}/article`, never);
  assert.ok(page.ok);
  assert.equal(page.mimeType, 'text/html');
  assert.match(Buffer.from(page.bytes).toString('utf8'), /Green tea/);
  assert.deepEqual(await open(`http://127.0.0.1:${port}/missing`, never), {
    ok: false,
    reason: 'http_error',
    host: '127.0.0.1',
    httpStatus: 404,
  });
  assert.deepEqual(await open(`http://127.0.0.1:${port}/big`, never), { ok: false, reason: 'too_large', limit: 1000 });
});

test('a model-asked save follows a redirect to another host only when the gate would allow it without asking', async () => {
  const open = createLinkFetcher({ allowPrivate: true });
  const log = createLogger({ level: 'silent' });
  const ctx = { userId: 1, chat: { chatId: 1, type: 'private' as const }, log, agent: 'assistant' };
  const asked: string[] = [];
  const deny = {
    allowsWithoutAsking: async (call: { args: Record<string, unknown> }) => {
      asked.push(String(call.args.url));
      return false;
    },
  };
  assert.deepEqual(
    await open(`http://127.0.0.1:${port}/away`, never, { preapproval: deny, tool: 'knowledge_save', ctx }),
    { ok: false, reason: 'needs_approval', host: 'localhost' },
  );
  assert.deepEqual(asked, [`http://localhost:${port}/article`]);
  const byPerson = await open(`http://127.0.0.1:${port}/away`, never);
  assert.ok(byPerson.ok, 'a person who typed /save follows the redirect');
});
