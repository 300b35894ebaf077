import type { IngestRejection } from './types.ts';

/** One structural piece of a document: a heading or a paragraph (a code block counts as one paragraph). */
export interface TextBlock {
  text: string;
  /** 1-based page, for paged formats. */
  page?: number;
  /** Heading level 1-6 when the block is a heading. */
  heading?: number;
  /** Keep line breaks (code, preformatted text) instead of joining lines. */
  preformatted?: boolean;
}

/** A document's text as read from its file, before chunking. */
export interface ExtractedDocument {
  /** From the file's metadata (PDF title, HTML title), if any. */
  title?: string;
  /** Page count for paged formats. */
  pages?: number;
  blocks: TextBlock[];
}

/** Reading succeeded, or the document is refused (nothing stored). */
export type ExtractOutcome =
  | { ok: true; document: ExtractedDocument }
  | { ok: false; reason: IngestRejection; limit?: number };

/** Decodes bytes as UTF-8 (a BOM dropped); undefined when they look binary (NUL bytes or mostly invalid). */
export function decodeText(bytes: Uint8Array): string | undefined {
  const text = new TextDecoder('utf-8').decode(bytes);
  if (text.includes('\u0000')) return undefined;
  let bad = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  if (bad > 16 && bad > text.length / 100) return undefined;
  return text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
}

/** Splits plain text into paragraphs at blank lines (lines inside a paragraph joined with spaces unless `keepLines`). */
export function paragraphs(text: string, keepLines = false): string[] {
  return text
    .split(/\n[ \t]*\n+/)
    .map((p) => (keepLines ? p.replace(/\s+$/g, '').replace(/^\n+/, '') : p.replace(/\s+/g, ' ').trim()))
    .filter((p) => p.trim().length > 0);
}
