import { htmlToText } from '../agents/tools/html-text.ts';
import type { ExtractOutcome } from './extracted.ts';
import { markdownBlocks } from './extract-text.ts';

/**
 * A web page or HTML file: its article (Mozilla Readability on linkedom, the same reader `http_fetch` uses), with
 * h1-h6 kept as headings.
 */
export function extractHtml(html: string, options: { article?: boolean } = {}): ExtractOutcome {
  const { title, text } = htmlToText(html, { headings: true, ...options });
  const blocks = markdownBlocks(text);
  if (blocks.length === 0) return { ok: false, reason: 'no_text' };
  return { ok: true, document: { ...(title ? { title } : {}), blocks } };
}

/** A Word document: mammoth converts it to semantic HTML (headings from Word's heading styles), read as above. */
export async function extractDocx(bytes: Uint8Array): Promise<ExtractOutcome> {
  // Loaded on the first Word document (see extract-pdf.ts).
  const mammoth = (await import('mammoth')).default;
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(bytes) })).value;
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  return extractHtml(html, { article: false });
}
