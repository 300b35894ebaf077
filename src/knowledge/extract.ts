import { decodeText, type ExtractOutcome } from './extracted.ts';
import { extractDocx, extractHtml } from './extract-html.ts';
import { extractPdf } from './extract-pdf.ts';
import { codeBlocks, markdownBlocks, textBlocks } from './extract-text.ts';
import type { DocumentFormat } from './formats.ts';

/**
 * Reads a document of a known format into blocks. Never throws for bad input: an unreadable file, a scan without
 * a text layer or too many pages come back as a refusal. `onProgress` gets the fraction read (pages for PDF).
 */
export async function extractDocument(
  format: DocumentFormat,
  bytes: Uint8Array,
  options: { maxPages: number; onProgress?: (fraction: number) => void; signal?: AbortSignal },
): Promise<ExtractOutcome> {
  if (format === 'pdf') {
    return extractPdf(bytes, {
      maxPages: options.maxPages,
      onPage: (n, of) => options.onProgress?.(n / of),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  if (format === 'docx') return extractDocx(bytes);
  const text = decodeText(bytes);
  if (text === undefined) return { ok: false, reason: 'unreadable' };
  if (format === 'html') return extractHtml(text);
  const blocks = format === 'markdown' ? markdownBlocks(text) : format === 'code' ? codeBlocks(text) : textBlocks(text);
  if (blocks.length === 0) return { ok: false, reason: 'no_text' };
  return { ok: true, document: { blocks } };
}
