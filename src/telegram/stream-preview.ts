import { splitStreamingTranscript, transcriptHtml } from '../core/voice-transcript.ts';
import { escapeHtml, htmlToPlain, markdownToHtml } from './format.ts';
import { TELEGRAM_TEXT_LIMIT, tailOf, visibleLength } from './split.ts';

/** Room left in a preview message (the status line and some slack). */
const PREVIEW_LIMIT = TELEGRAM_TEXT_LIMIT - 96;

/**
 * The preview of a reply being written: the Markdown so far (its transcript marker handled as `transcript` says)
 * with the tool status in italics below; the plain tail when it would be too long. `undefined` when there is nothing.
 */
export function previewBody(
  markdown: string,
  status: string | undefined,
  transcript: 'show' | 'hide' | undefined,
): { text: string; format: 'html' | 'plain' } | undefined {
  let md = markdown;
  let heard = '';
  if (transcript) {
    const split = splitStreamingTranscript(md);
    md = split.body;
    if (transcript === 'show' && split.transcript !== undefined)
      heard = transcriptHtml(split.transcript, !split.complete);
  }
  let html = md.trim() === '' ? '' : markdownToHtml(md);
  html = heard && html ? `${heard}\n\n${html}` : heard || html;
  const statusLine = status ? `<i>${escapeHtml(status)}</i>` : '';
  if (html === '' && statusLine === '') return undefined;
  if (visibleLength(html) + (status?.length ?? 0) > PREVIEW_LIMIT) {
    const plain = tailOf(htmlToPlain(html), PREVIEW_LIMIT - (status?.length ?? 0) - 2);
    return { text: status ? `${plain}\n\n${status}` : plain, format: 'plain' };
  }
  html = html && statusLine ? `${html}\n\n${statusLine}` : html || statusLine;
  return { text: html, format: 'html' };
}
