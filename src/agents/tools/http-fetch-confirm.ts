import type { Locale } from '../../i18n/locale.ts';
import type { ApprovalDescription } from '../tool.ts';
import { fetchApprovalTexts } from './fetch-approval-texts.ts';

/** For confirmations: an `http_fetch` call as "Fetch a page from example.com?" with [Fetch] [Don't fetch]. */
export function describeFetchForApproval(url: string, locale: Locale = 'en'): ApprovalDescription | undefined {
  let host: string;
  try {
    host = new URL(url.trim()).hostname;
  } catch {
    return undefined;
  }
  const t = fetchApprovalTexts(locale);
  return { confirm: { title: t.title({ host }), yes: t.yes, no: t.no } };
}
