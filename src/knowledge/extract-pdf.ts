import type { ExtractOutcome, TextBlock } from './extracted.ts';

/** One line of a page as pdf.js lays it out: its text, baseline (y, from the bottom) and largest glyph height. */
interface Line {
  text: string;
  y: number;
  height: number;
}

interface RawItem {
  str?: unknown;
  hasEOL?: unknown;
  height?: unknown;
  transform?: unknown;
}

/** Groups pdf.js text items into lines: a new line at an end-of-line mark or when the baseline moves. */
function linesOf(items: readonly RawItem[]): Line[] {
  const lines: Line[] = [];
  let cur: Line | undefined;
  for (const item of items) {
    if (typeof item.str !== 'string') continue;
    const y = Array.isArray(item.transform) ? Number(item.transform[5]) : 0;
    const height = typeof item.height === 'number' ? item.height : 0;
    if (cur && item.str !== '' && Math.abs(cur.y - y) > Math.max(2, height / 2) && cur.text.trim() !== '') {
      lines.push(cur);
      cur = undefined;
    }
    if (!cur) cur = { text: '', y, height: 0 };
    cur.text += item.str;
    if (item.str.trim() !== '') cur.height = Math.max(cur.height, height);
    if (item.hasEOL === true) {
      if (cur.text.trim() !== '') lines.push(cur);
      cur = undefined;
    }
  }
  if (cur && cur.text.trim() !== '') lines.push(cur);
  return lines;
}

/** The most common glyph height on a page (weighted by characters): body text. */
function bodyHeight(lines: Line[]): number {
  const counts = new Map<number, number>();
  for (const l of lines) {
    const h = Math.round(l.height);
    counts.set(h, (counts.get(h) ?? 0) + l.text.length);
  }
  let best = 0;
  let most = -1;
  for (const [h, n] of counts) if (n > most) [best, most] = [h, n];
  return best;
}

/**
 * A page's blocks: a line set clearly larger than the body text (and short) is a heading; lines further apart than
 * usual start a new paragraph; lines of one paragraph are joined (a hyphen at a line end is kept: it is ambiguous).
 */
export function pageBlocks(items: readonly RawItem[], page: number): TextBlock[] {
  const lines = linesOf(items);
  const body = bodyHeight(lines);
  const blocks: TextBlock[] = [];
  let para: string[] = [];
  let prev: Line | undefined;
  const flush = () => {
    const text = para.join(' ').replace(/\s+/g, ' ').trim();
    if (text) blocks.push({ text, page });
    para = [];
  };
  for (const line of lines) {
    const text = line.text.replace(/\s+/g, ' ').trim();
    if (body > 0 && line.height >= body * 1.3 && text.length <= 150) {
      flush();
      blocks.push({ text, page, heading: line.height >= body * 1.8 ? 1 : 2 });
      prev = undefined;
      continue;
    }
    if (prev && Math.abs(prev.y - line.y) > Math.max(prev.height, line.height, body) * 1.8) flush();
    para.push(text);
    prev = line;
  }
  flush();
  return blocks;
}

/**
 * Reads a PDF with pdf.js (Mozilla's reader; the legacy build runs on Node 20), page by page, keeping page numbers.
 * Refuses more than `maxPages` pages before reading any, and a PDF whose pages hold no text (a scan) as `no_text`.
 */
export async function extractPdf(
  bytes: Uint8Array,
  options: { maxPages: number; onPage?: (page: number, pages: number) => void; signal?: AbortSignal },
): Promise<ExtractOutcome> {
  // Loaded on the first PDF: pdf.js is a large module, and most runs of the bot never read one.
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js takes ownership of (detaches) the buffer it is given: it gets a copy.
  const task = getDocument({ data: bytes.slice(), isEvalSupported: false, disableFontFace: true, verbosity: 0 });
  try {
    let pdf: Awaited<typeof task.promise>;
    try {
      pdf = await task.promise;
    } catch {
      return { ok: false, reason: 'unreadable' };
    }
    if (pdf.numPages > options.maxPages) return { ok: false, reason: 'too_many_pages', limit: options.maxPages };
    const info = (await pdf.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
    const blocks: TextBlock[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      options.signal?.throwIfAborted();
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      blocks.push(...pageBlocks(content.items as RawItem[], n));
      page.cleanup();
      options.onPage?.(n, pdf.numPages);
    }
    if (blocks.length === 0) return { ok: false, reason: 'no_text' };
    const title = typeof info?.Title === 'string' ? info.Title.trim() : '';
    return { ok: true, document: { ...(title ? { title } : {}), pages: pdf.numPages, blocks } };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}
