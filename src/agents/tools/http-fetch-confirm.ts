import type { ApprovalDescription } from '../tool.ts';

/** For confirmations: an `http_fetch` call as "Fetch a page from example.com?" with [Fetch] [Don't fetch]. */
export function describeFetchForApproval(url: string): ApprovalDescription | undefined {
  let host: string;
  try {
    host = new URL(url.trim()).hostname;
  } catch {
    return undefined;
  }
  return { confirm: { title: `Fetch a page from ${host}?`, yes: 'Fetch', no: "Don't fetch" } };
}
