/** The fault and hostile suites' harness: the whole app (test/support/whole-app.ts), crash counters, a fault proxy. */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WholeApp, type WholeAppOptions, startWholeApp } from '../support/whole-app.ts';

export type FaultApp = WholeApp;
export type FaultAppOptions = Omit<WholeAppOptions, 'frontEnd'> & { queuedNoticeMs?: number };

/** Starts the complete assistant the way main.ts wires it, with fast limits (see test/support/whole-app.ts). */
export function startFaultApp(options: FaultAppOptions): Promise<FaultApp> {
  const { queuedNoticeMs, ...rest } = options;
  return startWholeApp({ ...rest, ...(queuedNoticeMs !== undefined ? { frontEnd: { queuedNoticeMs } } : {}) });
}

/** Counts unhandled rejections and uncaught exceptions in this test process. */
export function crashCounters(): { unhandled: unknown[]; uncaught: unknown[]; dispose(): void } {
  const unhandled: unknown[] = [];
  const uncaught: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    unhandled.push(reason);
  };
  const onException = (error: unknown): void => {
    uncaught.push(error);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    unhandled,
    uncaught,
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** What the fault proxy does with one Bot API request. */
export type ProxyAction =
  | { kind: 'pass' }
  /** Answer with a Bot API error without forwarding (429 carries `retry_after`). */
  | { kind: 'error'; status: number; retryAfter?: number }
  /** Hold the request this long before forwarding; if the client gave up meanwhile (its timeout), never forward. */
  | { kind: 'delay'; ms: number }
  /** Close the connection without forwarding: Telegram never saw the request. */
  | { kind: 'drop-before' }
  /** Forward, let Telegram process it, then close the connection instead of answering. */
  | { kind: 'drop-after' };

export interface FaultProxy {
  apiRoot: string;
  /** Every injected fault: method and action kind (with the status for errors). */
  injected: { method: string; action: string }[];
  /**
   * Calls Telegram processed whose answer found the client gone (its request timeout ran out first, e.g. on a loaded
   * machine): to the client these are the same as `drop-after`.
   */
  lateAnswers: { method: string }[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the fake Bot API that injects faults per call. Unlike the fake's own `failNextConnection`
 * (which drops before processing) it can also drop the connection AFTER Telegram processed the request.
 */
export async function startFaultProxy(target: string, decide: (method: string) => ProxyAction): Promise<FaultProxy> {
  const injected: FaultProxy['injected'] = [];
  const lateAnswers: FaultProxy['lateAnswers'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let gone = false;
    res.on('close', () => {
      gone = !res.writableFinished;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const method = path.includes('/file/') ? 'file' : (/\/([A-Za-z0-9_]+)\/?$/.exec(path)?.[1] ?? '');
      const action = decide(method);
      if (action.kind !== 'pass')
        injected.push({ method, action: action.kind === 'error' ? `error ${action.status}` : action.kind });
      const forward = async (): Promise<{ status: number; type: string; body: Buffer }> => {
        const headers: Record<string, string> = {};
        if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
        const init: RequestInit = { method: req.method ?? 'GET', headers };
        if (chunks.length > 0) init.body = Buffer.concat(chunks);
        const upstream = await fetch(`${target}${req.url ?? '/'}`, init);
        return {
          status: upstream.status,
          type: upstream.headers.get('content-type') ?? 'application/json',
          body: Buffer.from(await upstream.arrayBuffer()),
        };
      };
      const answer = (r: { status: number; type: string; body: Buffer }) => {
        if (gone) {
          if (action.kind === 'pass') lateAnswers.push({ method });
          return;
        }
        res.writeHead(r.status, { 'content-type': r.type });
        res.end(r.body);
      };
      const run = async (): Promise<void> => {
        switch (action.kind) {
          case 'error': {
            const description =
              action.status === 429
                ? `Too Many Requests: retry after ${action.retryAfter ?? 1}`
                : 'Internal Server Error';
            const body: Record<string, unknown> = { ok: false, error_code: action.status, description };
            if (action.status === 429) body.parameters = { retry_after: action.retryAfter ?? 1 };
            answer({ status: action.status, type: 'application/json', body: Buffer.from(JSON.stringify(body)) });
            return;
          }
          case 'drop-before':
            req.socket.destroy();
            return;
          case 'drop-after':
            await forward();
            req.socket.destroy();
            return;
          case 'delay':
            await sleep(action.ms);
            if (gone) return;
            answer(await forward());
            return;
          default:
            answer(await forward());
        }
      };
      run().catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    injected,
    lateAnswers,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Mulberry32: a small seeded PRNG so random fault plans can be replayed from the logged seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
