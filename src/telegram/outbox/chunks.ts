import type { OutMessage } from '../../core/outbox.ts';
import { htmlToPlain, markdownToHtml } from '../format.ts';
import { splitHtml, splitPlain, tailOf } from '../split.ts';

/** One Telegram message's worth of text, HTML or plain. */
export interface Chunk {
  body: string;
  html: boolean;
}

/** Formats a message (Markdown → HTML unless plain/html) and splits it into chunks within `limit`. */
export function renderChunks(message: OutMessage, limit: number): Chunk[] {
  const format = message.format ?? 'markdown';
  if (format === 'plain') return splitPlain(message.text, limit).map((body) => ({ body, html: false }));
  const html = format === 'html' ? message.text : markdownToHtml(message.text);
  return splitHtml(html, limit).map((body) => ({ body, html: true }));
}

/** Splits one chunk again under a smaller limit (after Telegram said "message is too long"). */
export function resplitChunk(chunk: Chunk, limit: number): Chunk[] {
  return chunk.html
    ? splitHtml(chunk.body, limit).map((body) => ({ body, html: true }))
    : splitPlain(chunk.body, limit).map((body) => ({ body, html: false }));
}

/** The same chunk as plain text, links kept (the fallback when Telegram can't parse our HTML). */
export function asPlainChunk(chunk: Chunk): Chunk {
  return { body: htmlToPlain(chunk.body, { keepLinks: true }), html: false };
}

/** A preview is one message: the tail of everything written so far, as plain text. */
export function previewChunk(chunks: Chunk[], limit: number): Chunk {
  const plain = chunks.map((c) => (c.html ? htmlToPlain(c.body) : c.body)).join('\n\n');
  return { body: tailOf(plain, limit), html: false };
}
