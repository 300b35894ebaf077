import { isIP } from 'node:net';
import type { Preapproval } from '../agents/preapproval.ts';
import type { ToolContext } from '../agents/tool.ts';
import { type Fetched, type HttpGetOptions, httpGet } from '../agents/tools/http-get.ts';
import { BlockedAddressError, guardedLookup, isBlockedAddress } from '../agents/tools/net-guard.ts';

/** Why a link could not be fetched (the words for a person or the model are chosen by the caller). */
export type LinkFailure =
  | { reason: 'invalid_url' }
  | { reason: 'blocked'; host: string }
  | { reason: 'http_error'; host: string; httpStatus: number }
  | { reason: 'unreachable'; host: string }
  | { reason: 'too_large'; limit: number }
  | { reason: 'needs_approval'; host: string };

export type LinkFetch = { ok: true; url: string; mimeType: string; bytes: Uint8Array } | ({ ok: false } & LinkFailure);

export interface LinkFetchOptions {
  /** Loopback and private addresses allowed (tests). Default false: the same net guard as `http_fetch`. */
  allowPrivate?: boolean;
  /** Most bytes of one document. Default 20 MB. */
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
}

/**
 * Fetches a page or file to save in the library: http(s) only, no credentials in the URL, every hop through the net
 * guard (DNS checked at connect time), and, when `preapproval` is given (the model asked, not the person), a redirect
 * to another host only when that host would pass the approval gate without asking.
 */
export function createLinkFetcher(options: LinkFetchOptions = {}) {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const getOptions: HttpGetOptions = {
    maxBytes: maxBytes + 1,
    userAgent: 'Mozilla/5.0 (compatible; TelegramAssistant/0.1)',
    lookup: guardedLookup(),
  };

  function parse(raw: string): URL | undefined {
    try {
      const url = new URL(raw.trim());
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
      if (url.username || url.password) return undefined;
      return url;
    } catch {
      return undefined;
    }
  }

  const literalBlocked = (url: URL): boolean => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return !options.allowPrivate && isIP(host) !== 0 && isBlockedAddress(host);
  };

  return async function fetchLink(
    raw: string,
    signal: AbortSignal,
    asked?: { preapproval: Preapproval; tool: string; ctx: Pick<ToolContext, 'userId' | 'chat' | 'log' | 'agent'> },
  ): Promise<LinkFetch> {
    const start = parse(raw);
    if (!start) return { ok: false, reason: 'invalid_url' };
    let current = start;
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    let fetched: Fetched;
    for (let hop = 0; ; hop++) {
      if (literalBlocked(current)) return { ok: false, reason: 'blocked', host: current.hostname };
      if (hop > 0 && asked && current.hostname !== start.hostname) {
        const call = { agent: asked.ctx.agent, tool: asked.tool, args: { url: current.href } };
        if (!(await asked.preapproval.allowsWithoutAsking(call, asked.ctx)))
          return { ok: false, reason: 'needs_approval', host: current.hostname };
      }
      try {
        fetched = await httpGet(current, deadline, !options.allowPrivate, getOptions);
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof BlockedAddressError) return { ok: false, reason: 'blocked', host: current.hostname };
        return { ok: false, reason: 'unreachable', host: current.hostname };
      }
      const location = fetched.headers.location;
      if (fetched.status < 300 || fetched.status >= 400 || !location) break;
      if (hop >= maxRedirects) return { ok: false, reason: 'unreachable', host: current.hostname };
      const next = parse(new URL(location, current).href);
      if (!next) return { ok: false, reason: 'invalid_url' };
      current = next;
    }
    if (fetched.status >= 400)
      return { ok: false, reason: 'http_error', host: current.hostname, httpStatus: fetched.status };
    if (fetched.truncated || fetched.body.byteLength > maxBytes)
      return { ok: false, reason: 'too_large', limit: maxBytes };
    const mimeType = String(fetched.headers['content-type'] ?? 'text/html')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    return { ok: true, url: current.href, mimeType, bytes: new Uint8Array(fetched.body) };
  };
}

/** The fetcher `createLinkFetcher` returns. */
export type LinkFetcher = ReturnType<typeof createLinkFetcher>;
