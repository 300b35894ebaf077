import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_LOCALE } from '../../i18n/locale.ts';
import { agentTexts } from '../agent-texts.ts';
import type { Preapproval } from '../preapproval.ts';
import { type Tool, type ToolContext, defineTool } from '../tool.ts';
import { describeFetchForApproval } from './http-fetch-confirm.ts';
import { type Fetched, type HttpGetOptions, httpGet } from './http-get.ts';
import { BlockedAddressError, guardedLookup, isBlockedAddress } from './net-guard.ts';
import { createTurnSlots } from './turn-slots.ts';

export interface HttpFetchOptions {
  /** Allow private, loopback and link-local addresses (tests, trusted LANs). Default false. */
  allowPrivate?: boolean;
  /** Host names allowed even when they resolve to private addresses (e.g. a home server). */
  allowHosts?: string[];
  /** Most bytes read from a response. Default 1 MB. */
  maxBytes?: number;
  /** Most characters of text returned to the model. Default 20 000. */
  maxChars?: number;
  /** Whole-request timeout. Default 15 s. */
  timeoutMs?: number;
  maxRedirects?: number;
  userAgent?: string;
  /**
   * Asked before following a redirect to another host: would that URL pass the approval gate without a person?
   * If not, the redirect is not followed and the model is told where it led. None: every hop is followed (net guard only).
   */
  preapproval?: Preapproval;
  /** Most fetches in flight at once within one turn; further calls wait for a free slot. Default 3. */
  maxConcurrentPerTurn?: number;
}

/** A redirect to a host that would need the user's approval: not followed, and the model is told where it led. */
export class RedirectNeedsApprovalError extends Error {
  constructor(from: string, to: URL) {
    const where = to.href.length > 2000 ? `${to.href.slice(0, 2000)}…` : to.href;
    super(
      `${from} redirected to ${where} (host ${to.hostname}). That host needs the user's approval, so the redirect was not followed. ` +
        'If the user wants that page, call http_fetch again with that URL so they can approve it.',
    );
    this.name = 'RedirectNeedsApprovalError';
  }
}

const hostKey = (url: URL): string => url.hostname.toLowerCase().replace(/\.$/, '');
/** The host as the allow list spells it (IPv6 without brackets). */
const hostKeyOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

const TEXTUAL =
  /^(text\/|application\/(json|xml|xhtml\+xml|rss\+xml|atom\+xml|ld\+json|javascript)|[^;]*\+(json|xml))/i;

function charsetOf(contentType: string): string {
  const m = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType);
  const label = m?.[1]?.toLowerCase() ?? 'utf-8';
  try {
    new TextDecoder(label);
    return label;
  } catch {
    return 'utf-8';
  }
}

/** The model's view of a fetched page: readable text (HTML reduced to its article), cut at `maxChars`. */
async function pageResult(current: URL, fetched: Fetched, maxChars: number) {
  if (fetched.status >= 400) throw new Error(`${current.host} answered HTTP ${fetched.status}`);
  const contentType = String(fetched.headers['content-type'] ?? 'text/plain');
  if (!TEXTUAL.test(contentType)) throw new Error(`The URL returned ${contentType.split(';')[0]}, which is not text`);
  const raw = new TextDecoder(charsetOf(contentType)).decode(fetched.body);
  const isHtml = /html/i.test(contentType) || /^\s*<(!doctype html|html)/i.test(raw);
  // Loaded on first use: linkedom and Readability add ~230 ms to every start-up, and most bots rarely fetch a page.
  const { title, text } = isHtml ? (await import('./html-text.ts')).htmlToText(raw) : { title: '', text: raw.trim() };
  const cut = text.length > maxChars;
  return {
    url: current.toString(),
    status: fetched.status,
    contentType: contentType.split(';')[0],
    ...(title ? { title } : {}),
    text: cut ? `${text.slice(0, maxChars)}\n\n[truncated — the page has ${text.length} characters]` : text,
    truncated: cut || fetched.truncated,
  };
}

/** The host of the page a result came from (its final URL after redirects). */
function pageHost(result: unknown): string | undefined {
  const url = (result as { url?: unknown } | undefined)?.url;
  // The guards may have framed the result's strings as data (spotlighting): read the URL inside the markers.
  const found = typeof url === 'string' ? /https?:\/\/[^\s⟦⟧]+/i.exec(url)?.[0] : undefined;
  return found ? hostOrUrl(found) : undefined;
}

function hostOrUrl(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** The `http_fetch` tool: GET a public web page or API and return readable text. */
export function createHttpFetchTool(options: HttpFetchOptions = {}): Tool {
  const maxChars = options.maxChars ?? 20_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const allowHosts = new Set((options.allowHosts ?? []).map((h) => h.toLowerCase()));
  const getOptions: HttpGetOptions = {
    maxBytes: options.maxBytes ?? 1_000_000,
    userAgent: options.userAgent ?? 'Mozilla/5.0 (compatible; TelegramAssistant/0.1)',
    lookup: guardedLookup(),
  };
  // Waiting (rather than refusing) keeps the model's plan intact: a step that asks for 5 pages gets 5 results instead
  // of 2 errors it would spend another step (of 8) retrying. The wait is bounded by the call's own deadline (the
  // tool timeout below covers one fetch of waiting), and a stopped turn aborts its waiters at once.
  const slots = createTurnSlots(options.maxConcurrentPerTurn ?? 3);

  function checkUrl(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`Only http and https URLs can be fetched (got ${url.protocol.replace(':', '')})`);
    if (url.username || url.password) throw new Error('URLs with credentials are not allowed');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && !allowHosts.has(host.toLowerCase()) && isIP(host) && isBlockedAddress(host))
      throw new BlockedAddressError(host, host);
  }

  return defineTool({
    name: 'http_fetch',
    description:
      'Fetch a public web page or JSON/text API with HTTP GET and return its readable text (title and content, truncated). Use it to read a URL the user gave or to check a page.',
    input: z.object({ url: z.string().describe('Absolute http(s) URL to fetch') }),
    timeoutMs: 2 * timeoutMs + 1000,
    untrusted: true,
    // The page's host (after redirects) names the source in later approval prompts.
    sourceOf: ({ url }, result) => pageHost(result) ?? hostOrUrl(url),
    requestedUrl: ({ url }) => url,
    describeForApproval: ({ url }, ctx) => describeFetchForApproval(url, ctx.locale),
    async execute({ url }, ctx) {
      let current: URL;
      try {
        current = new URL(url);
      } catch {
        throw new Error(`"${url}" is not a valid absolute URL`);
      }
      const release = await slots.acquire(ctx.turnId, ctx.signal);
      try {
        return await fetchPage(current, ctx);
      } finally {
        release();
      }
    },
  });

  /** Follows redirects (each hop through the net guard and, for a new host, the approval policy) and reads the page. */
  async function fetchPage(start: URL, ctx: ToolContext) {
    let current = start;
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
    ctx.progress(agentTexts(ctx.locale ?? DEFAULT_LOCALE).readingHost({ host: current.hostname }));
    // The first URL passed the gate (by policy, a grant or a person's tap). A hop to that same host sends nothing the
    // host didn't already get; a hop to any other host could carry data elsewhere (an open redirect on an allowed
    // site), so it must pass the policy too.
    const approvedHost = hostKey(start);
    let fetched: Fetched | undefined;
    for (let hop = 0; ; hop++) {
      checkUrl(current);
      if (hop > 0 && options.preapproval && hostKey(current) !== approvedHost) {
        const call = { agent: ctx.agent, tool: 'http_fetch', args: { url: current.href } };
        if (!(await options.preapproval.allowsWithoutAsking(call, ctx)))
          throw new RedirectNeedsApprovalError(start.host, current);
      }
      try {
        const guard = !options.allowPrivate && !allowHosts.has(hostKeyOf(current));
        fetched = await httpGet(current, signal, guard, getOptions);
      } catch (err) {
        if (err instanceof BlockedAddressError) throw err;
        if (signal.aborted && !ctx.signal.aborted)
          throw new Error(`${current.host} did not answer within ${timeoutMs / 1000} s`);
        const e = err as Error & { code?: string };
        throw new Error(`Could not fetch ${current.host}: ${e.code ?? e.message}`);
      }
      if (fetched.status < 300 || fetched.status >= 400) break;
      const location = fetched.headers.location;
      if (!location) break;
      if (hop >= maxRedirects) throw new Error(`Too many redirects (more than ${maxRedirects})`);
      current = new URL(location, current);
    }
    return pageResult(current, fetched, maxChars);
  }
}
