import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { createToolRegistry } from '../../src/agents/registry.ts';
import { type ToolContext, defineTool } from '../../src/agents/tool.ts';
import { createCurrentTimeTool } from '../../src/agents/tools/current-time.ts';
import { createHttpFetchTool } from '../../src/agents/tools/http-fetch.ts';
import { createBuiltinTools } from '../../src/agents/tools/index.ts';
import { closeServer, listen } from '../support/http-util.ts';
import { toolContext } from './harness.ts';

const toolCtx = (overrides: Partial<ToolContext> = {}): ToolContext =>
  toolContext({ timezone: 'Europe/Berlin', ...overrides });

describe('tool definitions and registry', () => {
  it('derives the JSON Schema from zod (input side: defaults are optional) and validates arguments', () => {
    const tool = defineTool({
      name: 'remind',
      description: 'Sets a reminder',
      input: z.object({ text: z.string().describe('What to say'), minutes: z.number().int().default(10) }),
      execute: (args) => args,
    });
    assert.deepEqual(tool.declaration.parameters, {
      type: 'object',
      properties: {
        text: { type: 'string', description: 'What to say' },
        minutes: { type: 'integer', default: 10, minimum: -9007199254740991, maximum: 9007199254740991 },
      },
      required: ['text'],
    });
    assert.deepEqual(tool.parse({ text: 'tea' }), { ok: true, value: { text: 'tea', minutes: 10 } });
    const bad = tool.parse({ minutes: 'x' });
    assert.equal(bad.ok, false);
    assert.throws(
      () => defineTool({ name: 'agent_x', description: 'x', input: z.object({}), execute: () => 1 }),
      /reserved/,
    );
    assert.throws(
      () => defineTool({ name: 'bad name', description: 'x', input: z.object({}), execute: () => 1 }),
      /invalid/,
    );
    assert.throws(
      () => defineTool({ name: 'str', description: 'x', input: z.string(), execute: () => 1 }),
      /z\.object/,
    );
  });

  it('registers by name, refuses duplicates and lists unknown roster tools', () => {
    const registry = createToolRegistry();
    registry.register(...createBuiltinTools());
    assert.deepEqual(
      registry.list().map((t) => t.name),
      ['current_time', 'http_fetch'],
    );
    assert.throws(() => registry.register(createCurrentTimeTool()), /registered twice/);
    const issues = registry.validateToolNames({
      router: { tools: ['current_time', 'nope'] },
      agents: [{ name: 'planner', tools: ['schedule_create'] }],
    });
    assert.equal(issues.length, 2);
    assert.match(issues[0] ?? '', /router lists tool "nope"/);
    assert.match(
      issues[1] ?? '',
      /agent "planner" lists tool "schedule_create".*known tools: current_time, http_fetch/,
    );
    assert.throws(() => registry.resolve(['nope']), /"nope"/);
  });
});

describe('current_time', () => {
  it("uses the user's zone by default and validates an explicit one", async () => {
    const tool = createCurrentTimeTool();
    assert.deepEqual(await tool.execute({}, toolCtx()), {
      timezone: 'Europe/Berlin',
      local: 'Wednesday, 1 July 2026, 14:00',
      iso: '2026-07-01T14:00:00+02:00',
      utcOffset: 'UTC+02:00',
      utc: '2026-07-01T12:00:00.000Z',
    });
    const tokyo = (await tool.execute({ timezone: 'Asia/Tokyo' }, toolCtx())) as { iso: string };
    assert.equal(tokyo.iso, '2026-07-01T21:00:00+09:00');
    const bad = tool.parse({ timezone: 'Mars/Olympus' });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.error, /IANA time zone/);
  });
});

describe('http_fetch', () => {
  let base: string;
  const big = 'x'.repeat(50_000);
  const server = createServer((req, res) => {
    if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<html><head><title>Tea &amp; Co</title><style>.a{}</style><script>evil()</script></head><body><h1>Teas</h1><p>Green&nbsp;tea &#8212; good.</p><ul><li>Sencha</li><li>Matcha</li></ul></body></html>',
      );
    } else if (req.url === '/hop') {
      res.writeHead(302, { location: '/page' });
      res.end();
    } else if (req.url === '/to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(big);
    } else if (req.url === '/img') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from([1, 2, 3]));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  before(async () => {
    base = await listen(server);
  });
  after(() => closeServer(server));

  it('refuses loopback, private, link-local and IPv6 loopback addresses by default', async () => {
    const tool = createHttpFetchTool();
    for (const url of [
      `${base}/page`,
      'http://10.1.2.3/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
    ]) {
      await assert.rejects(Promise.resolve(tool.execute({ url }, toolCtx())), /private or local address/, url);
    }
    const port = new URL(base).port;
    await assert.rejects(
      Promise.resolve(tool.execute({ url: `http://localhost:${port}/page` }, toolCtx())),
      /private or local address/,
    );
    await assert.rejects(
      Promise.resolve(tool.execute({ url: 'file:///etc/passwd' }, toolCtx())),
      /Only http and https/,
    );
  });

  it('fetches from a local server when allowed: redirects, readable text, caps and content types', async () => {
    const tool = createHttpFetchTool({ allowPrivate: true, maxChars: 1000 });
    const page = (await tool.execute({ url: `${base}/hop` }, toolCtx())) as Record<string, unknown>;
    assert.equal(page.url, `${base}/page`);
    assert.equal(page.title, 'Tea & Co');
    assert.equal(page.text, 'Teas\n\nGreen tea — good.\n\n- Sencha\n- Matcha');
    const long = (await tool.execute({ url: `${base}/big` }, toolCtx())) as Record<string, unknown>;
    assert.equal(long.truncated, true);
    assert.ok(String(long.text).length < 1100);
    await assert.rejects(
      Promise.resolve(tool.execute({ url: `${base}/img` }, toolCtx())),
      /image\/png, which is not text/,
    );
    await assert.rejects(Promise.resolve(tool.execute({ url: `${base}/missing` }, toolCtx())), /HTTP 404/);
  });

  it('checks every redirect hop against the address rules', async () => {
    const tool = createHttpFetchTool({ allowHosts: ['127.0.0.1'] });
    await assert.rejects(
      Promise.resolve(tool.execute({ url: `${base}/to-metadata` }, toolCtx())),
      /169\.254\.169\.254/,
    );
  });
});
