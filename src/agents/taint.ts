import { z } from 'zod';
import type { Attachment, TurnRequest } from '../core/turn.ts';
import type { TaintSource } from './tool.ts';
import type { TurnTaint } from './types.ts';

/** Most sources kept per turn (the prompt names the first few; more adds nothing a person reads). */
export const MAX_TAINT_SOURCES = 12;
/** Most hosts taken from the user's own message. */
const MAX_USER_HOSTS = 20;

export const taintSourceSchema = z.object({
  kind: z.enum(['tool', 'agent', 'file', 'message', 'group', 'earlier']),
  name: z.string().max(200).optional(),
});

/** Adds a source (deduplicated, bounded) and marks the turn untrusted. */
export function addTaintSource(taint: TurnTaint, source: TaintSource): void {
  taint.turnReadUntrusted = true;
  const name = source.name?.trim().slice(0, 200) || undefined;
  if (taint.sources.some((s) => s.kind === source.kind && s.name === name)) return;
  if (taint.sources.length >= MAX_TAINT_SOURCES) return;
  taint.sources.push(name ? { kind: source.kind, name } : { kind: source.kind });
}

/** A URL or a bare domain name (`example.com`, `docs.example.co.uk`), letters of any script. */
const HOST_IN_TEXT =
  /\bhttps?:\/\/([^\s/?#"'<>()[\]]+)|(?<![@\w.-])((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63})(?![\p{L}\p{N}-])/giu;

/** The lower-cased host of a URL (or host with a port), without `www.`; undefined when it isn't one. */
export function hostKey(value: string): string | undefined {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    const host = url.hostname
      .toLowerCase()
      .replace(/\.$/, '')
      .replace(/^\[|\]$/g, '');
    return host ? host.replace(/^www\./, '') : undefined;
  } catch {
    return undefined;
  }
}

/** The hosts a text names, as URLs or bare domain names (lower case, without `www.`). */
export function hostsNamedIn(text: string): string[] {
  const hosts = new Set<string>();
  for (const m of text.matchAll(HOST_IN_TEXT)) {
    const host = hostKey((m[1] ?? m[2] ?? '').replace(/:\d+$/, ''));
    if (host) hosts.add(host);
    if (hosts.size >= MAX_USER_HOSTS) break;
  }
  return [...hosts];
}

/** True when the URL's host is one the user named (same host; `www.` ignored). */
export function hostNamedByUser(url: string, userHosts: readonly string[]): boolean {
  const host = hostKey(url);
  return host !== undefined && userHosts.includes(host);
}

/** Audio is the user's own voice; every other file carries someone else's text (a document, a photo of a page). */
function fileSources(attachments: Attachment[]): TaintSource[] {
  return attachments
    .filter((a) => !a.mimeType.startsWith('audio/'))
    .map((a) => (a.name ? { kind: 'file', name: a.name } : { kind: 'file' }));
}

/**
 * The taint a new turn starts with: someone else's forwarded or quoted message, the files the user sent. The hosts
 * the user named count only when the whole text is theirs (a forwarded or quoted text could name any host).
 */
export function initialTaint(request: TurnRequest): TurnTaint {
  const taint: TurnTaint = { turnReadUntrusted: false, sources: [], userHosts: [] };
  if (request.untrustedInput) addTaintSource(taint, { kind: 'message' });
  for (const source of fileSources(request.attachments ?? [])) addTaintSource(taint, source);
  if (!request.untrustedInput) taint.userHosts = hostsNamedIn(request.text);
  return taint;
}

/**
 * Why a task may not go to an agent with built-in web tools (search, URL reading: the gate never sees their requests)
 * once the turn read untrusted text: it names a host the user didn't, which a URL-reading tool could carry data to.
 * Undefined when the delegation may go ahead.
 */
export function webDelegationRefusal(task: string, taint: TurnTaint): string | undefined {
  if (!taint.turnReadUntrusted) return undefined;
  const foreign = hostsNamedIn(task).filter((h) => !taint.userHosts.includes(h));
  if (foreign.length === 0) return undefined;
  return (
    `Not run: this turn read untrusted content, and the task names ${foreign.slice(0, 3).join(', ')}, which the user ` +
    'did not name in their own message. Answer with what you have; if the user wants that site, they can ask for it in their own words.'
  );
}
