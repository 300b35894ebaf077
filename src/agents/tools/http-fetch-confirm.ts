import type { GateCall } from '../tool.ts';

/** For confirmations: an `http_fetch` call as "Fetch a page from example.com?" with [Fetch] [Don't fetch]. */
export function confirmFetchCall(call: GateCall): { title: string; yes: string; no: string } | undefined {
  if (call.tool !== 'http_fetch' || typeof call.args.url !== 'string') return undefined;
  let host: string;
  try {
    host = new URL(call.args.url.trim()).hostname;
  } catch {
    return undefined;
  }
  return { title: `Fetch a page from ${host}?`, yes: 'Fetch', no: "Don't fetch" };
}
