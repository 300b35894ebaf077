import { createRequire } from 'node:module';
import type * as ReadabilityModule from '@mozilla/readability';
import type * as LinkedomModule from 'linkedom';

/**
 * linkedom and Readability (together some 25 MB of the process) load on the first page read, not at start-up; a
 * synchronous require (both ship CommonJS builds) keeps `htmlToText` synchronous.
 */
const requireHere = createRequire(import.meta.url);
let readers:
  | { parseHTML: typeof LinkedomModule.parseHTML; Readability: typeof ReadabilityModule.Readability }
  | undefined;
function loadReaders(): NonNullable<typeof readers> {
  readers ??= {
    parseHTML: (requireHere('linkedom') as typeof LinkedomModule).parseHTML,
    Readability: (requireHere('@mozilla/readability') as typeof ReadabilityModule).Readability,
  };
  return readers;
}

/** Elements whose content is never text for a reader. */
const SKIPPED = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'HEAD', 'IFRAME', 'OBJECT', 'CANVAS']);
/** Elements that start and end a paragraph. */
const BLOCK = new Set(
  'P DIV SECTION ARTICLE MAIN HEADER FOOTER NAV ASIDE H1 H2 H3 H4 H5 H6 UL OL TABLE TR BLOCKQUOTE PRE FIGURE FIGCAPTION DL DT DD FORM FIELDSET ADDRESS HR'.split(
    ' ',
  ),
);

/** The minimal DOM surface the walker reads (linkedom's nodes, and Readability's output node). */
interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

/**
 * Appends the text under `node`: paragraph breaks around blocks, "- " for list items, line breaks for <br>; with
 * `headings`, h1-h6 start with Markdown's "# " markers (the knowledge base keeps a document's headings).
 */
function collect(node: DomNode, out: string[], headings = false): void {
  if (node.nodeType === TEXT_NODE) {
    out.push(node.textContent ?? '');
    return;
  }
  if (node.nodeType !== ELEMENT_NODE && node.nodeType !== 9 && node.nodeType !== 11) return;
  const name = node.nodeName.toUpperCase();
  if (SKIPPED.has(name)) return;
  if (name === 'BR') {
    out.push('\n');
    return;
  }
  const block = BLOCK.has(name);
  if (block) out.push('\n\n');
  if (name === 'LI') out.push('\n- ');
  if (headings && /^H[1-6]$/.test(name)) out.push(`${'#'.repeat(Number(name[1]))} `);
  for (let i = 0; i < node.childNodes.length; i++) collect(node.childNodes[i] as DomNode, out, headings);
  if (name === 'TD' || name === 'TH') out.push(' \t');
  if (block) out.push('\n\n');
}

/** Plain text of a DOM subtree, whitespace tidied: one space within lines, at most one blank line between paragraphs. */
function textOf(node: DomNode, headings = false): string {
  const out: string[] = [];
  collect(node, out, headings);
  return out
    .join('')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * linkedom builds the tree as written (no HTML5 tree fixing): a bare fragment would become the document element with
 * an empty body, so fragments get the html/body they imply.
 */
function parsePage(html: string) {
  const { parseHTML } = loadReaders();
  if (/<html[\s>]/i.test(html)) return parseHTML(html);
  return parseHTML(/<body[\s>]/i.test(html) ? `<html>${html}</html>` : `<html><body>${html}</body></html>`);
}

/** The page's main article as a DOM node (Mozilla Readability, as in Firefox Reader View), or undefined. */
function articleOf(html: string): { node: DomNode; title: string } | undefined {
  const { document } = parsePage(html);
  const { Readability } = loadReaders();
  // linkedom's Document is the DOM Readability walks, but its types are not the lib.dom ones (not loaded here).
  const reader = new Readability<DomNode>(document as never, {
    serializer: (node) => node as unknown as DomNode,
  });
  const article = reader.parse();
  if (!article?.content || !article.textContent?.trim()) return undefined;
  return { node: article.content, title: article.title ?? '' };
}

/**
 * Readable text from HTML: the page's article (Readability) when it has one, else the whole body; scripts, styles and
 * markup dropped, paragraph breaks and list bullets kept, entities decoded by the HTML parser. Options: `headings`
 * marks h1-h6 with "#"; `article: false` skips Readability (a converted document is all content, no page chrome).
 */
export function htmlToText(
  html: string,
  options: { headings?: boolean; article?: boolean } = {},
): { title: string; text: string } {
  const { document } = parsePage(html);
  const pageTitle = (document.title ?? '').replace(/\s+/g, ' ').trim();
  const headings = options.headings ?? false;
  let article: ReturnType<typeof articleOf>;
  try {
    article = options.article === false ? undefined : articleOf(html);
  } catch {
    // A page Readability cannot handle still has text: fall back to the whole body.
    article = undefined;
  }
  const body = (document.body ?? document) as unknown as DomNode;
  const text = article ? textOf(article.node, headings) : textOf(body, headings);
  const title = pageTitle || (article?.title ?? '').replace(/\s+/g, ' ').trim();
  return { title, text };
}
