import { Marked, type Token, type TokenizerAndRendererExtension, type TokenizerThis, type Tokens } from 'marked';
import { escapeHtml } from '../core/html.ts';

/**
 * Model Markdown → Telegram HTML. The `marked` lexer parses; this module walks the tokens and emits only the tags
 * Telegram supports (b, i, s, code, pre, a, blockquote, tg-spoiler). Everything else, including raw HTML in the
 * model's output, is escaped and shown literally.
 */

export { escapeHtml };

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
  deg: '°',
  euro: '€',
};

/** The only named references Telegram's HTML parser knows. */
const TELEGRAM_NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

/** Decodes numeric and common named HTML character references (as CommonMark does for the model's text). */
export function decodeEntities(s: string, named: Record<string, string> = NAMED): string {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const cp =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return whole;
      return String.fromCodePoint(cp);
    }
    return named[body] ?? whole;
  });
}

/**
 * The visible text of Telegram HTML: tags removed, entities decoded. With `keepLinks` (the plain-text fallback),
 * a link whose label differs from its URL becomes "label (url)" so the destination isn't lost.
 */
export function htmlToPlain(html: string, options: { keepLinks?: boolean } = {}): string {
  let s = html;
  if (options.keepLinks) {
    s = s.replace(/<a\s+href="([^"]*)"\s*>([\s\S]*?)<\/a>/g, (whole, href: string, label: string) => {
      const text = label.replace(/<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>/g, '');
      return decodeEntities(text, TELEGRAM_NAMED) === decodeEntities(href, TELEGRAM_NAMED)
        ? whole
        : `${label} (${href})`;
    });
  }
  return decodeEntities(s.replace(/<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>/g, ''), TELEGRAM_NAMED);
}

/** `||spoiler||` (Telegram's own Markdown spelling) becomes `<tg-spoiler>`. */
const spoilerExtension: TokenizerAndRendererExtension = {
  name: 'spoiler',
  level: 'inline',
  start(src: string) {
    const i = src.indexOf('||');
    return i < 0 ? undefined : i;
  },
  tokenizer(this: TokenizerThis, src: string) {
    const match = /^\|\|(?=\S)([\s\S]*?\S)\|\|/.exec(src);
    if (!match) return undefined;
    return { type: 'spoiler', raw: match[0], text: match[1] ?? '', tokens: this.lexer.inlineTokens(match[1] ?? '') };
  },
};

const SAFE_URL = /^(https?:\/\/|tg:\/\/|mailto:)/i;
const TABLE_MAX_WIDTH = 48;

interface Ctx {
  /** Nesting depth of lists, for indentation. */
  listDepth: number;
  /** Inside a blockquote: Telegram does not nest blockquotes. */
  inQuote: boolean;
  /** Inside a link: links don't nest. */
  inLink: boolean;
}

const parser = new Marked({ gfm: true, breaks: false, extensions: [spoilerExtension] });

function lex(md: string): Token[] {
  return parser.lexer(md);
}

function renderInline(tokens: Token[] | undefined, ctx: Ctx): string {
  if (!tokens) return '';
  let out = '';
  for (const token of tokens) out += renderInlineToken(token, ctx);
  return out;
}

function text(s: string): string {
  return escapeHtml(decodeEntities(s));
}

function renderInlineToken(token: Token, ctx: Ctx): string {
  switch (token.type) {
    case 'text': {
      const t = token as Tokens.Text;
      return t.tokens && t.tokens.length > 0 ? renderInline(t.tokens, ctx) : text(t.text);
    }
    case 'escape':
      return escapeHtml((token as Tokens.Escape).text);
    case 'strong':
      return wrap('b', renderInline((token as Tokens.Strong).tokens, ctx));
    case 'em':
      return wrap('i', renderInline((token as Tokens.Em).tokens, ctx));
    case 'del':
      return wrap('s', renderInline((token as Tokens.Del).tokens, ctx));
    case 'spoiler':
      return wrap('tg-spoiler', renderInline((token as Tokens.Generic).tokens, ctx));
    case 'codespan':
      return wrap('code', escapeHtml((token as Tokens.Codespan).text));
    case 'br':
      return '\n';
    case 'link': {
      const link = token as Tokens.Link;
      const label = renderInline(link.tokens, { ...ctx, inLink: true });
      const href = link.autolink ? link.href : decodeEntities(link.href);
      if (ctx.inLink || !SAFE_URL.test(href)) {
        // Relative or unsupported URLs can't be a link; keep the destination visible.
        return label === escapeHtml(href) || href === '' ? label : `${label} (${escapeHtml(href)})`;
      }
      return `<a href="${escapeHtml(href)}">${label || escapeHtml(href)}</a>`;
    }
    case 'image': {
      const image = token as Tokens.Image;
      const href = decodeEntities(image.href);
      const label = text(image.text || 'image');
      if (ctx.inLink || !SAFE_URL.test(href)) return `🖼 ${label} (${escapeHtml(href)})`;
      return `<a href="${escapeHtml(href)}">🖼 ${label}</a>`;
    }
    case 'html':
      // Raw HTML from the model is shown literally, never interpreted.
      return escapeHtml((token as Tokens.HTML).text);
    case 'checkbox':
      return '';
    default:
      return fallback(token, ctx);
  }
}

/** Unknown tokens (future marked versions, extensions): their children, else their source, escaped. */
function fallback(token: Token, ctx: Ctx): string {
  const children = (token as Tokens.Generic).tokens;
  return children ? renderInline(children, ctx) : escapeHtml(token.raw);
}

function wrap(tag: string, inner: string): string {
  if (inner === '') return '';
  const name = tag.split(' ')[0];
  return `<${tag}>${inner}</${name}>`;
}

/** Plain text of inline tokens (for table cells). */
function inlinePlain(tokens: Token[] | undefined): string {
  return htmlToPlain(renderInline(tokens, { listDepth: 0, inQuote: false, inLink: true }));
}

function charWidth(cp: number): number {
  // Wide East Asian ranges and emoji take two cells in most monospace fonts.
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  return 1;
}

function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0) ?? 0);
  return w;
}

function pad(s: string, width: number, align: 'left' | 'right' | 'center' | null): string {
  const gap = Math.max(0, width - displayWidth(s));
  if (align === 'right') return ' '.repeat(gap) + s;
  if (align === 'center') return ' '.repeat(Math.floor(gap / 2)) + s + ' '.repeat(gap - Math.floor(gap / 2));
  return s + ' '.repeat(gap);
}

/** GFM table → monospace block: aligned columns when it fits a phone, otherwise one "Header: value" card per row. */
function renderTable(table: Tokens.Table): string {
  const header = table.header.map((c) => inlinePlain(c.tokens).replace(/\s+/g, ' ').trim());
  const rows = table.rows.map((r) => r.map((c) => inlinePlain(c.tokens).replace(/\s+/g, ' ').trim()));
  const columns = header.length;
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const total = widths.reduce((a, b) => a + b, 0) + 3 * Math.max(0, columns - 1);
  let body: string;
  if (total <= TABLE_MAX_WIDTH) {
    const line = (cells: string[]) =>
      cells
        .map((c, i) =>
          pad(c, widths[i] ?? 0, i === columns - 1 && table.align[i] !== 'right' ? null : (table.align[i] ?? null)),
        )
        .join(' │ ')
        .trimEnd();
    const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
    body = [line(header), rule, ...rows.map(line)].join('\n');
  } else {
    const labelWidth = Math.min(16, Math.max(...header.map(displayWidth)));
    body = rows
      .map((r) => header.map((h, i) => `${pad(h, labelWidth, null)}: ${r[i] ?? ''}`).join('\n'))
      .join('\n────────\n');
  }
  return `<pre>${escapeHtml(body)}</pre>`;
}

function renderCode(code: Tokens.Code, ctx: Ctx): string {
  const body = escapeHtml(code.text);
  if (body === '') return '';
  const lang =
    (code.lang ?? '')
      .trim()
      .split(/\s/)[0]
      ?.replace(/[^A-Za-z0-9_+#.-]/g, '') ?? '';
  if (ctx.inQuote) return `<code>${body}</code>`;
  return lang ? `<pre><code class="language-${lang}">${body}</code></pre>` : `<pre>${body}</pre>`;
}

function renderList(list: Tokens.List, ctx: Ctx): string {
  const indent = '   '.repeat(ctx.listDepth);
  const start = typeof list.start === 'number' ? list.start : 1;
  const inner: Ctx = { ...ctx, listDepth: ctx.listDepth + 1 };
  const items = list.items.map((item, index) => {
    let marker = list.ordered ? `${start + index}.` : '•';
    if (item.task) marker = `${list.ordered ? `${marker} ` : ''}${item.checked ? '☑' : '☐'}`;
    const parts: string[] = [];
    for (const child of item.tokens) {
      if (child.type === 'checkbox') continue;
      const rendered = child.type === 'list' ? renderList(child as Tokens.List, inner) : renderBlock(child, inner);
      if (rendered !== '') parts.push(rendered);
    }
    const [first = '', ...rest] = parts;
    // Continuation lines of a multi-line item line up under its text.
    const hang = `${indent}${' '.repeat(marker.length + 1)}`;
    const head = first.startsWith('<pre>')
      ? `${indent}${marker}\n${first}`
      : `${indent}${marker} ${first.replace(/\n(?!\s*(?:•|☐|☑|\d+\.) )/g, `\n${hang}`)}`;
    return [head, ...rest].join('\n');
  });
  return items.join('\n');
}

function renderBlock(token: Token, ctx: Ctx): string {
  switch (token.type) {
    case 'space':
    case 'def':
      return '';
    case 'paragraph':
      return renderInline((token as Tokens.Paragraph).tokens, ctx);
    case 'text': {
      const t = token as Tokens.Text;
      return t.tokens ? renderInline(t.tokens, ctx) : text(t.text);
    }
    case 'heading':
      return wrap('b', renderInline((token as Tokens.Heading).tokens, ctx));
    case 'hr':
      return '──────────';
    case 'code':
      return renderCode(token as Tokens.Code, ctx);
    case 'blockquote': {
      const inner = renderBlocks((token as Tokens.Blockquote).tokens, { ...ctx, inQuote: true });
      return ctx.inQuote ? inner : wrap('blockquote', inner);
    }
    case 'list':
      return renderList(token as Tokens.List, ctx);
    case 'table':
      return ctx.inQuote
        ? escapeHtml(htmlToPlain(renderTable(token as Tokens.Table)))
        : renderTable(token as Tokens.Table);
    case 'html':
      return escapeHtml((token as Tokens.HTML).text.replace(/\n+$/, ''));
    default:
      return fallback(token, ctx);
  }
}

function renderBlocks(tokens: Token[], ctx: Ctx): string {
  const parts: string[] = [];
  for (const token of tokens) {
    const rendered = renderBlock(token, ctx);
    if (rendered.trim() !== '') parts.push(rendered);
  }
  return parts.join('\n\n');
}

/** Converts the model's Markdown to Telegram HTML. Always returns balanced, escaped HTML (partial Markdown is fine). */
export function markdownToHtml(md: string): string {
  const normalized = md.replace(/\r\n?/g, '\n');
  try {
    return renderBlocks(lex(normalized), { listDepth: 0, inQuote: false, inLink: false }).trim();
  } catch {
    // The lexer should not throw; if it ever does, the text is still delivered, just unformatted.
    return escapeHtml(normalized.trim());
  }
}
