import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import { toError } from '../../core/errors.ts';
import type { HttpRoute } from '../../core/http-route.ts';
import type { Logger } from '../../core/logger.ts';

/** JSON served on GET /healthz. */
export interface Health {
  ok: boolean;
  mode: 'polling' | 'webhook';
  db: 'ok' | 'error';
  uptimeSeconds: number;
  lastPollAt?: string;
  lastPollAgeSeconds?: number;
  lastUpdateAt?: string;
  pollingError?: string;
  queue?: { running: number; queued: number };
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  log: Logger;
  health: () => Promise<Health>;
  /** More GET routes (e.g. /metrics), in both modes. */
  routes?: HttpRoute[];
  /** Webhook endpoint; absent in polling mode. */
  webhook?: {
    path: string;
    secret: string;
    /** Must journal the update durably before resolving: the 200 is sent only after. */
    accept: (update: Update) => Promise<unknown>;
  };
}

export interface HttpServer {
  /** The bound port (useful with PORT=0). */
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1_000_000;
const updateSchema = z.looseObject({ update_id: z.number().int().nonnegative() });

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Stop reading but keep the socket: the 413 must reach the client (destroying it here dropped the answer).
        req.removeAllListeners('data');
        req.pause();
        resolve('too_large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function secretMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bot's HTTP server: GET /healthz in both modes, plus the webhook endpoint in webhook mode. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { log, webhook } = options;
  const server: Server = createServer((req, res) => {
    void route(req, res).catch((err) => {
      log.error({ err: toError(err) }, 'http handler failed');
      if (!res.headersSent) send(res, 500, { ok: false, error: 'internal error' });
      else res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const health = await options.health();
      send(res, health.ok ? 200 : 503, health);
      return;
    }
    const extra = options.routes?.find((r) => r.path === path);
    if (extra) {
      const out = await extra.handle({
        method: req.method ?? 'GET',
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
      });
      res.writeHead(out.status, { 'content-type': out.contentType, 'content-length': Buffer.byteLength(out.body) });
      res.end(req.method === 'HEAD' ? undefined : out.body);
      return;
    }
    if (webhook && path === webhook.path) {
      if (req.method !== 'POST') return send(res, 405, { ok: false, error: 'use POST' });
      if (!secretMatches(req.headers['x-telegram-bot-api-secret-token'], webhook.secret)) {
        log.warn({ remote: req.socket.remoteAddress }, 'webhook request with a wrong secret token rejected');
        return send(res, 401, { ok: false, error: 'wrong secret token' });
      }
      const body = await readBody(req);
      if (body === 'too_large') {
        res.setHeader('connection', 'close');
        return send(res, 413, { ok: false, error: 'body too large' });
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, 400, { ok: false, error: 'body is not valid JSON' });
      }
      const parsed = updateSchema.safeParse(json);
      if (!parsed.success) return send(res, 400, { ok: false, error: 'body is not a Telegram Update' });
      try {
        await webhook.accept(parsed.data as unknown as Update);
      } catch (err) {
        // Not journaled: a non-2xx makes Telegram deliver it again.
        log.error({ err: toError(err) }, 'cannot journal webhook update');
        return send(res, 500, { ok: false, error: 'cannot store the update' });
      }
      return send(res, 200, { ok: true });
    }
    send(res, 404, { ok: false, error: 'not found' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, webhook: Boolean(webhook) }, 'http server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
