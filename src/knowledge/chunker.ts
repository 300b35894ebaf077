import type { TextBlock } from './extracted.ts';
import type { ChunkingOptions } from './limits.ts';

/** One passage of a document as stored and searched. */
export interface Chunk {
  /** 0-based position in the document. */
  seq: number;
  text: string;
  /** Page where the passage starts (paged formats). */
  page?: number;
  /** The headings above it, outermost first, joined with " › ". */
  heading?: string;
  tokens: number;
}

/** A rough token count (about 4 characters per token), enough for sizing passages. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Cuts `text` into pieces of at most `max` tokens: at line ends (code), else sentence ends, else spaces. */
export function splitLong(text: string, max: number, preformatted = false): string[] {
  if (estimateTokens(text) <= max) return [text];
  const maxChars = max * 4;
  const units = preformatted ? text.split(/(?<=\n)/) : text.split(/(?<=[.!?…;:])\s+/);
  const out: string[] = [];
  let cur = '';
  const push = (unit: string) => {
    const sep = cur === '' || preformatted ? '' : ' ';
    if (cur !== '' && cur.length + sep.length + unit.length > maxChars) {
      out.push(cur);
      cur = '';
    }
    cur += (cur === '' ? '' : sep) + unit;
  };
  for (const unit of units) {
    if (unit.length <= maxChars) {
      push(unit);
      continue;
    }
    for (const word of unit.split(/(?<=\s)/)) {
      if (word.length <= maxChars) push(preformatted ? word : word.trim());
      else for (let i = 0; i < word.length; i += maxChars) push(word.slice(i, i + maxChars));
    }
  }
  if (cur.trim() !== '') out.push(cur);
  return out.map((p) => (preformatted ? p.replace(/\s+$/, '') : p.trim())).filter((p) => p !== '');
}

/** The last `tokens` tokens of `text`, starting at a sentence start if one is near, else at a word. */
export function tailOf(text: string, tokens: number): string {
  const chars = tokens * 4;
  if (tokens <= 0) return '';
  if (text.length <= chars) return text;
  const window = text.slice(text.length - chars);
  const sentence = window.search(/(?<=[.!?…]\s+)\S/);
  if (sentence >= 0 && sentence < window.length / 2) return window.slice(sentence);
  const space = window.indexOf(' ');
  return space >= 0 && space < window.length / 2 ? window.slice(space + 1) : window;
}

/**
 * Cuts a document's blocks into passages of about `targetTokens`, on its structure: a heading always starts a new
 * passage (the heading path goes with every passage under it), so does a new page (a citation names the page a
 * passage is on), paragraphs are never split unless longer than the target. A passage cut because it was full starts
 * with the last `overlapTokens` of the previous one, so a sentence at the seam is found from both.
 */
export function chunkBlocks(blocks: readonly TextBlock[], options: ChunkingOptions): Chunk[] {
  const target = Math.max(16, options.targetTokens);
  const chunks: Chunk[] = [];
  const path: string[] = [];
  let parts: string[] = [];
  let tokens = 0;
  let page: number | undefined;
  let heading: string | undefined;
  let hasOwnText = false;

  const emit = () => {
    if (!hasOwnText) return;
    const text = parts.join('\n\n');
    chunks.push({
      seq: chunks.length,
      text,
      ...(page !== undefined ? { page } : {}),
      ...(heading !== undefined ? { heading } : {}),
      tokens: estimateTokens(text),
    });
  };
  const start = (first: string | undefined, firstPage: number | undefined) => {
    parts = first ? [first] : [];
    tokens = first ? estimateTokens(first) : 0;
    page = firstPage;
    heading = path.length > 0 ? path.filter(Boolean).slice(-3).join(' › ') : undefined;
    hasOwnText = false;
  };

  start(undefined, undefined);
  for (const block of blocks) {
    if (block.heading !== undefined) {
      emit();
      path.length = Math.max(0, block.heading - 1);
      path[block.heading - 1] = block.text;
      start(undefined, block.page);
      continue;
    }
    if (hasOwnText && block.page !== undefined && block.page !== page) {
      emit();
      start(undefined, block.page);
    }
    for (const piece of splitLong(block.text, target, block.preformatted)) {
      const t = estimateTokens(piece);
      if (hasOwnText && tokens + t > target) {
        const overlap = tailOf(parts.join('\n\n'), Math.min(options.overlapTokens, Math.floor(target / 3)));
        emit();
        start(overlap || undefined, block.page ?? page);
      }
      if (!hasOwnText && parts.length === 0) page = block.page ?? page;
      parts.push(piece);
      tokens += t;
      hasOwnText = true;
    }
  }
  emit();
  if (chunks.length === 0 && path.some(Boolean)) {
    const text = path.filter(Boolean).join('\n');
    chunks.push({ seq: 0, text, tokens: estimateTokens(text) });
  }
  return chunks;
}
