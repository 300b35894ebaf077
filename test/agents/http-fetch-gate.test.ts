/**
 * Issue 11 points 4 and 5 for the real http_fetch tool: every redirect hop to another host must pass the approval
 * policy (the real gate: config + the user's grants in a real database), and one turn has at most 3 fetches in flight.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ToolContext } from '../../src/agents/tool.ts';
import { RedirectNeedsApprovalError, createHttpFetchTool } from '../../src/agents/tools/http-fetch.ts';
import { createApprovalGate } from '../../src/approvals/gate.ts';
import { insertGrant } from '../../src/approvals/grants.ts';
import { createApprovalPolicy } from '../../src/approvals/policy.ts';
import { approvalsConfigSchema } from '../../src/approvals/policy-schema.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { closeServer, listen } from '../support/http-util.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { log, toolContext } from './harness.ts';

const toolCtx = (overrides: Partial<ToolContext> = {}): ToolContext =>
  toolContext({ clock: createManualClock(Date.UTC(2026, 0, 15, 12)), turnReadUntrusted: false, ...overrides });

describe('http_fetch redirects are checked against the approval policy at every hop', () => {
  let db: TempDb;
  let store: Store;
  let base: string;
  let port: string;
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${req.headers.host?.split(':')[0]}${url.pathname}${url.search}`);
    if (url.pathname === '/open') {
      // An open redirect on an allowed site: it sends the client wherever `to` says.
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      res.end();
    } else if (url.pathname === '/hop') {
      res.writeHead(301, { location: '/page' });
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`page ${url.pathname}`);
    }
  });
  // 127.0.0.1 plays the allowed site; "localhost" (the same server) a host that needs approval.
  const policy = createApprovalPolicy(
    approvalsConfigSchema.parse({
      tools: {
        http_fetch: {
          mode: 'when',
          when: { arg: 'url', notMatchesHost: ['127.0.0.1'] },
          allowAlways: true,
          allowAlwaysFor: { arg: 'url', as: 'host' },
        },
      },
    }),
  );

  before(async () => {
    base = await listen(server);
    port = new URL(base).port;
    db = tempDbUrl('redirects');
    store = await createStore({ url: db.url, migrations });
  });
  after(async () => {
    await closeServer(server);
    await store.close();
    await db.cleanup();
  });

  function tool() {
    return createHttpFetchTool({ allowPrivate: true, preapproval: createApprovalGate({ policy, store, log }) });
  }

  it('an allowed site redirecting to a host that needs approval is not followed; the model is told where it led', async () => {
    hits.length = 0;
    const target = `http://localhost:${port}/collect?d=User%20lives%20in%20Lisbon`;
    const err = await Promise.resolve(
      tool().execute({ url: `${base}/open?to=${encodeURIComponent(target)}` }, toolCtx()),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RedirectNeedsApprovalError, `expected a refused redirect, got ${String(err)}`);
    assert.match(
      err.message,
      /redirected to http:\/\/localhost:\d+\/collect\?d=User%20lives%20in%20Lisbon \(host localhost\)/,
    );
    assert.match(err.message, /call http_fetch again with that URL/);
    assert.deepEqual(
      hits.filter((h) => h.includes('/collect')),
      [],
      'the host behind the redirect never received the request',
    );
  });

  it('a redirect within the same host is followed', async () => {
    const page = (await tool().execute({ url: `${base}/hop` }, toolCtx())) as Record<string, unknown>;
    assert.equal(page.url, `${base}/page`);
    assert.equal(page.text, 'page /page');
  });

  it('a hop to a host the user granted is followed, for that user only', async () => {
    await store.write((tx) =>
      insertGrant(tx, {
        userId: 1,
        tool: 'http_fetch',
        target: 'localhost',
        grantedBy: 1,
        chatId: 1,
        approvalId: 'a1',
        at: 0,
      }),
    );
    hits.length = 0;
    const target = `http://localhost:${port}/collect?d=ok`;
    const url = `${base}/open?to=${encodeURIComponent(target)}`;
    const page = (await tool().execute({ url }, toolCtx())) as Record<string, unknown>;
    assert.equal(page.url, target);
    assert.deepEqual(hits, [`127.0.0.1/open?to=${encodeURIComponent(target)}`, 'localhost/collect?d=ok']);
    await assert.rejects(Promise.resolve(tool().execute({ url }, toolCtx({ userId: 2 }))), RedirectNeedsApprovalError);
  });
});

describe('http_fetch concurrency per turn', () => {
  let base: string;
  /** Requests the server holds open, in arrival order, with the turn each belongs to (from the query). */
  const held: { turn: string; res: ServerResponse }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let arrived: (() => void) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('pong');
      return;
    }
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    held.push({ turn: url.searchParams.get('turn') ?? '', res });
    res.on('finish', () => {
      inFlight -= 1;
    });
    arrived?.();
  });
  before(async () => {
    base = await listen(server);
  });
  after(() => closeServer(server));

  async function until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((r) => (arrived = r));
  }
  /** One round trip to the same server: requests already sent by the tool have arrived by then. */
  async function settle(): Promise<void> {
    await (await fetch(`${base}/ping`)).text();
    await new Promise((r) => setImmediate(r));
  }
  function release(index: number): void {
    const h = held[index];
    h?.res.writeHead(200, { 'content-type': 'text/plain' });
    h?.res.end(`done ${index}`);
  }

  it('at most 3 fetches of one turn are in flight; the others wait and all complete; another turn is not held up', async () => {
    const tool = createHttpFetchTool({ allowPrivate: true });
    const results = Array.from({ length: 5 }, (_, i) =>
      Promise.resolve(tool.execute({ url: `${base}/slow/${i}?turn=t1` }, toolCtx())),
    );
    await until(() => held.length >= 3);
    await settle();
    assert.equal(held.length, 3, 'the 4th and 5th fetch of the turn wait for a slot');

    const other = Promise.resolve(tool.execute({ url: `${base}/slow/x?turn=t2` }, toolCtx({ turnId: 'update:2' })));
    await until(() => held.length >= 4);
    assert.equal(held[3]?.turn, 't2', "another turn's fetch starts although turn 1 is at its cap");

    release(0);
    await until(() => held.length >= 5);
    await settle();
    assert.equal(held.filter((h) => h.turn === 't1').length, 4, 'one finished, one more started');
    release(1);
    release(2);
    release(3);
    await until(() => held.length >= 6);
    release(4);
    release(5);
    const texts = (await Promise.all(results)).map((r) => (r as { text: string }).text);
    assert.equal(texts.length, 5);
    assert.equal(((await other) as { text: string }).text, 'done 3');
    assert.equal(maxInFlight, 4, 'three of turn 1 plus one of turn 2, never more');
  });

  it('a fetch waiting for a slot gives up when its turn is stopped, without taking a slot', async () => {
    held.length = 0;
    const tool = createHttpFetchTool({ allowPrivate: true });
    const running = Array.from({ length: 3 }, (_, i) =>
      Promise.resolve(tool.execute({ url: `${base}/slow/${i}?turn=t3` }, toolCtx({ turnId: 't3' }))),
    );
    await until(() => held.length >= 3);
    const stop = new AbortController();
    const waiting = Promise.resolve(
      tool.execute({ url: `${base}/slow/w?turn=t3` }, toolCtx({ turnId: 't3', signal: stop.signal })),
    );
    stop.abort(new Error('stopped by the user'));
    await assert.rejects(waiting, /stopped by the user/);
    const next = Promise.resolve(tool.execute({ url: `${base}/slow/n?turn=t3` }, toolCtx({ turnId: 't3' })));
    release(0);
    await until(() => held.length >= 4);
    assert.match(String(held[3]?.res.req.url), /\/slow\/n/, 'the next fetch took the freed slot, not the stopped one');
    release(1);
    release(2);
    release(3);
    await Promise.all([...running, next]);
  });
});
