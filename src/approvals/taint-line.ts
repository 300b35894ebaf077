import type { TaintSource } from '../agents/tool.ts';
import type { ApprovalTexts } from './approval-texts.ts';
import { clip } from './arg-summary.ts';

/** Sources named in one prompt; the rest are counted. */
const NAMED = 3;

/** One source in the reader's words: a host or tool-given name as is, the other kinds from the catalogue. */
function sourceName(s: TaintSource, t: ApprovalTexts): string {
  switch (s.kind) {
    case 'tool':
      return clip(s.name ?? t.taintEarlier, 80);
    case 'agent':
      return s.name?.includes('.') ? clip(s.name, 80) : t.taintSearch;
    case 'file':
      return s.name ? t.taintFileNamed({ name: clip(s.name, 80) }) : t.taintFile;
    case 'message':
      return t.taintMessage;
    case 'group':
      return t.taintGroup;
    case 'earlier':
      return t.taintEarlier;
  }
}

/** "⚠️ This request follows text from example.com, the file “a.pdf” and 2 more. …" in the reader's language. */
export function taintLine(sources: readonly TaintSource[], t: ApprovalTexts): string {
  const names = [...new Set(sources.map((s) => sourceName(s, t)))];
  const shown = names.slice(0, NAMED).join(', ');
  const more = names.length > NAMED ? ` ${t.taintMore({ n: names.length - NAMED })}` : '';
  return t.followsText({ sources: `${shown}${more}` });
}
