import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** One HTTP response, its body decoded and cut at `maxBytes`. Redirects come back with an empty body. */
export interface Fetched {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  truncated: boolean;
}

export interface HttpGetOptions {
  maxBytes: number;
  userAgent: string;
  /** The net guard's DNS lookup, used unless `guard` says this host is trusted. */
  lookup: LookupFunction;
}

function decoderFor(encoding: string | undefined, res: IncomingMessage): Readable {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}

/** Reads a response body up to `maxBytes`; past that it stops reading and reports `truncated`. */
function readBody(res: IncomingMessage, maxBytes: number, resolve: (f: Fetched) => void, reject: (e: Error) => void) {
  const status = res.statusCode ?? 0;
  const stream = decoderFor(res.headers['content-encoding'], res);
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  stream.on('data', (chunk: Buffer) => {
    if (truncated) return;
    const room = maxBytes - size;
    if (chunk.length >= room) {
      chunks.push(chunk.subarray(0, room));
      size = maxBytes;
      truncated = true;
      res.destroy();
      resolve({ status, headers: res.headers, body: Buffer.concat(chunks), truncated });
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  stream.on('end', () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks), truncated }));
  stream.on('error', (err) => (truncated ? undefined : reject(err)));
}

/** One GET without following redirects; `guard` routes DNS through the net guard. */
export function httpGet(url: URL, signal: AbortSignal, guard: boolean, options: HttpGetOptions): Promise<Fetched> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Fetched>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'GET',
        signal,
        headers: {
          'user-agent': options.userAgent,
          accept: 'text/html,application/xhtml+xml,application/json;q=0.9,text/plain;q=0.8,*/*;q=0.5',
          'accept-encoding': 'gzip, deflate, br',
        },
        ...(guard ? { lookup: options.lookup } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.resume();
          return resolve({ status, headers: res.headers, body: Buffer.alloc(0), truncated: false });
        }
        readBody(res, options.maxBytes, resolve, reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
