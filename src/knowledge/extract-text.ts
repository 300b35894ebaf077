import { paragraphs, type TextBlock } from './extracted.ts';

/** Plain text: one block per paragraph. */
export function textBlocks(text: string): TextBlock[] {
  return paragraphs(text).map((p) => ({ text: p }));
}

/** Source code: paragraphs separated by blank lines, line breaks and indentation kept. */
export function codeBlocks(text: string): TextBlock[] {
  return paragraphs(text, true).map((p) => ({ text: p, preformatted: true }));
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const FENCE = /^[ \t]*(```|~~~)/;

/**
 * Markdown: ATX headings (`# Title`) become heading blocks, fenced code blocks stay whole with their line breaks,
 * the rest is split into paragraphs (list items of one list stay together, lines joined).
 */
export function markdownBlocks(text: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  let para: string[] = [];
  let fence: { marker: string; lines: string[] } | undefined;
  const flush = () => {
    const joined = para.join('\n').trim();
    if (joined) blocks.push({ text: joined.replace(/[ \t]*\n[ \t]*/g, '\n') });
    para = [];
  };
  for (const line of text.split('\n')) {
    if (fence) {
      if (line.trim().startsWith(fence.marker)) {
        blocks.push({ text: fence.lines.join('\n'), preformatted: true });
        fence = undefined;
      } else fence.lines.push(line);
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      flush();
      fence = { marker: f[1] as string, lines: [] };
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      flush();
      blocks.push({ text: (h[2] as string).trim(), heading: (h[1] as string).length });
      continue;
    }
    if (line.trim() === '') flush();
    else para.push(line);
  }
  if (fence && fence.lines.length > 0) blocks.push({ text: fence.lines.join('\n'), preformatted: true });
  flush();
  return blocks;
}
