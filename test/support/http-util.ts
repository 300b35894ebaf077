/**
 * Small HTTP helpers shared by the fake servers: body reading, multipart parsing, JSON replies.
 * No dependencies beyond node:http.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file part of a multipart/form-data body. */
export class UploadedFile {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  constructor(filename: string, contentType: string, data: Uint8Array) {
    this.filename = filename;
    this.contentType = contentType;
    this.data = data;
  }
  get size(): number {
    return this.data.byteLength;
  }
  /** Keeps request logs readable: the bytes are not serialised. */
  toJSON(): { filename: string; contentType: string; size: number } {
    return { filename: this.filename, contentType: this.contentType, size: this.size };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the whole request body. Rejects if the client goes away before the end. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

function headerParam(header: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, 'i');
  const m = re.exec(header);
  if (!m) return undefined;
  return (m[1] ?? m[2] ?? '').trim();
}

/**
 * Parses multipart/form-data. Text parts become strings, parts with a filename become `UploadedFile`s.
 * Works on raw bytes, so binary file parts survive unchanged.
 */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string | UploadedFile> {
  const boundary = headerParam(contentType, 'boundary');
  if (!boundary) throw new Error('multipart body without boundary');
  const out: Record<string, string | UploadedFile> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) return out;
  for (;;) {
    pos += delimiter.length;
    // "--" after a delimiter ends the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    // Skip the CRLF after the delimiter.
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else if (body[pos] === 0x0a) pos += 1;
    const next = body.indexOf(delimiter, pos);
    if (next < 0) break;
    // The part ends with CRLF before the next delimiter.
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    else if (body[end - 1] === 0x0a) end -= 1;
    const part = body.subarray(pos, end);
    let headerEnd = part.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (headerEnd < 0) {
      headerEnd = part.indexOf('\n\n');
      sepLen = 2;
    }
    if (headerEnd >= 0) {
      const headerText = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + sepLen);
      const headers = new Map<string, string>();
      for (const line of headerText.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const disposition = headers.get('content-disposition') ?? '';
      const name = headerParam(disposition, 'name');
      if (name !== undefined) {
        // grammY writes `filename=` unquoted and it may contain ';', so take the rest of the line.
        const fm = /;\s*filename\s*=\s*(?:"([^"]*)"|(.*))$/i.exec(disposition);
        if (fm) {
          const filename = (fm[1] ?? fm[2] ?? '').trim();
          out[name] = new UploadedFile(
            filename,
            headers.get('content-type') ?? 'application/octet-stream',
            new Uint8Array(content),
          );
        } else {
          out[name] = content.toString('utf8');
        }
      }
    }
    pos = next;
  }
  return out;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Listens on 127.0.0.1 with an OS-assigned port and returns `http://127.0.0.1:PORT`. */
export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

/** Closes a server and every connection on it (keep-alive sockets included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. Timers are unref'd. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An AbortSignal that fires when the client closes the connection before the response ended. */
export function clientGone(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}
