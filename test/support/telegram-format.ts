/**
 * Telegram's text formatting parsers (HTML, MarkdownV2, legacy Markdown), ported from the behaviour
 * of tdlib's `MessageEntity.cpp` so the fake Bot API rejects exactly what Telegram rejects, with the
 * same "can't parse entities: …" wording and UTF-8 byte offsets. Entity offsets are UTF-16 code units.
 *
 * One deliberate difference: in HTML a bare `&` that does not start a known entity is an error here
 * (`strictAmpersand`, default on). Telegram keeps it as a literal `&`, but a bot that does not escape
 * `&` will also fail to escape `<`, so tests should catch it.
 */
import type { MessageEntity } from 'grammy/types';

export type FormatResult = { ok: true; text: string; entities: MessageEntity[] } | { ok: false; error: string };

function byteOffset(s: string, index: number): number {
  return Buffer.byteLength(s.slice(0, index), 'utf8');
}

/** tdlib's is_space; `undefined` (end of text) counts as a terminator like its '\0'. */
function isSpace(c: string | undefined): boolean {
  return c === undefined || c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v' || c === '\0';
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Decodes an HTML entity at `pos` (which holds '&'); null if it is not a valid one. */
function decodeEntity(s: string, pos: number): { value: string; end: number } | null {
  let end = pos + 1;
  let value: string;
  if (s[end] === '#') {
    end++;
    let cp = 0;
    const hex = s[end] === 'x' || s[end] === 'X';
    if (hex) end++;
    const start = end;
    const digit = hex ? /[0-9a-fA-F]/ : /[0-9]/;
    while (end < s.length && digit.test(s[end] ?? '')) {
      cp = cp * (hex ? 16 : 10) + Number.parseInt(s[end] ?? '0', hex ? 16 : 10);
      if (cp > 0x10ffff) return null;
      end++;
    }
    if (end === start || cp === 0 || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    value = String.fromCodePoint(cp);
  } else {
    const start = end;
    while (end < s.length && /[a-zA-Z]/.test(s[end] ?? '')) end++;
    const named = NAMED_ENTITIES[s.slice(start, end)];
    if (named === undefined) return null;
    value = named;
  }
  if (s[end] === ';') end++;
  return { value, end };
}

const HTML_TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'tg-time',
  'span',
  'pre',
  'code',
  'blockquote',
]);

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

export function parseHtml(s: string, options: { strictAmpersand?: boolean } = {}): FormatResult {
  const strictAmpersand = options.strictAmpersand ?? true;
  const fail = (message: string): FormatResult => ({ ok: false, error: message });
  const n = s.length;
  type Open = { tag: string; arg: string; offset: number; expandable: boolean };
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  const codeLanguage = new Map<MessageEntity, string>();
  let result = '';
  let i = 0;
  while (i < n) {
    const c = s[i] ?? '';
    if (c === '&') {
      const decoded = decodeEntity(s, i);
      if (decoded) {
        result += decoded.value;
        i = decoded.end;
        continue;
      }
      if (strictAmpersand) {
        return fail(
          `Unsupported HTML entity at byte offset ${byteOffset(s, i)}: escape '&' as &amp; (fake strict mode)`,
        );
      }
      result += c;
      i++;
      continue;
    }
    if (c !== '<') {
      result += c;
      i++;
      continue;
    }
    const begin = i;
    const unclosed = (): FormatResult => fail(`Unclosed start tag at byte offset ${byteOffset(s, begin)}`);
    i++;
    if (s[i] !== '/') {
      while (!isSpace(s[i]) && s[i] !== '>') i++;
      if (i >= n) return unclosed();
      const tag = s.slice(begin + 1, i).toLowerCase();
      if (!HTML_TAGS.has(tag)) return fail(`Unsupported start tag "${tag}" at byte offset ${byteOffset(s, begin)}`);
      let arg = '';
      let expandable = false;
      while (s[i] !== '>') {
        while (i < n && isSpace(s[i])) i++;
        if (i >= n) return unclosed();
        if (s[i] === '>') break;
        const attrBegin = i;
        while (!isSpace(s[i]) && s[i] !== '=' && s[i] !== '>') i++;
        const attrName = s.slice(attrBegin, i);
        if (attrName === '') {
          return fail(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(s, begin)}`);
        }
        while (i < n && isSpace(s[i])) i++;
        if (s[i] !== '=') {
          if (tag === 'blockquote' && attrName === 'expandable') {
            expandable = true;
            continue;
          }
          if (i >= n) return unclosed();
          return fail(
            `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${byteOffset(s, begin)}`,
          );
        }
        i++;
        while (i < n && isSpace(s[i])) i++;
        if (i >= n) return unclosed();
        let value = '';
        const quote = s[i];
        if (quote !== '"' && quote !== "'") {
          const tokenBegin = i;
          while (i < n && /[A-Za-z0-9.-]/.test(s[i] ?? '')) i++;
          value = s.slice(tokenBegin, i).toLowerCase();
          if (!isSpace(s[i]) && s[i] !== '>') {
            return fail(`Unexpected end of name token at byte offset ${byteOffset(s, tokenBegin)}`);
          }
        } else {
          i++;
          while (i < n && s[i] !== quote) {
            if (s[i] === '&') {
              const decoded = decodeEntity(s, i);
              if (decoded) {
                value += decoded.value;
                i = decoded.end;
                continue;
              }
            }
            value += s[i];
            i++;
          }
          if (s[i] === quote) i++;
        }
        if (i >= n) return unclosed();
        if (tag === 'a' && attrName === 'href') arg = value;
        else if (tag === 'code' && attrName === 'class' && value.startsWith('language-')) arg = value.slice(9);
        else if (tag === 'span' && attrName === 'class' && value.startsWith('tg-')) arg = value.slice(3);
        else if (tag === 'tg-emoji' && attrName === 'emoji-id') arg = value;
        else if (tag === 'tg-time' && attrName === 'unix') arg = value;
      }
      if (tag === 'span' && arg !== 'spoiler') {
        return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(s, begin)}`);
      }
      i++; // '>'
      stack.push({ tag, arg, offset: result.length, expandable });
      continue;
    }
    // End tag.
    if (stack.length === 0) return fail(`Unexpected end tag at byte offset ${byteOffset(s, begin)}`);
    i++; // '/'
    const nameBegin = i;
    while (!isSpace(s[i]) && s[i] !== '>') i++;
    const endName = s.slice(nameBegin, i).toLowerCase();
    while (i < n && isSpace(s[i])) i++;
    if (s[i] !== '>') return fail(`Unclosed end tag at byte offset ${byteOffset(s, begin)}`);
    i++;
    const open = stack.pop();
    if (!open) return fail(`Unexpected end tag at byte offset ${byteOffset(s, begin)}`);
    if (endName !== '' && endName !== open.tag) {
      return fail(
        `Unmatched end tag at byte offset ${byteOffset(s, begin)}, expected "</${open.tag}>", found "</${endName}>"`,
      );
    }
    const offset = open.offset;
    const length = result.length - offset;
    if (length === 0) continue;
    switch (open.tag) {
      case 'b':
      case 'strong':
        entities.push({ type: 'bold', offset, length });
        break;
      case 'i':
      case 'em':
        entities.push({ type: 'italic', offset, length });
        break;
      case 's':
      case 'strike':
      case 'del':
        entities.push({ type: 'strikethrough', offset, length });
        break;
      case 'u':
      case 'ins':
        entities.push({ type: 'underline', offset, length });
        break;
      case 'tg-spoiler':
      case 'span':
        entities.push({ type: 'spoiler', offset, length });
        break;
      case 'a': {
        const url = open.arg || result.slice(offset);
        if (url) entities.push({ type: 'text_link', offset, length, url });
        break;
      }
      case 'code': {
        const entity: MessageEntity = { type: 'code', offset, length };
        if (open.arg) codeLanguage.set(entity, open.arg);
        entities.push(entity);
        break;
      }
      case 'pre': {
        const last = entities.at(-1);
        const language = last ? codeLanguage.get(last) : undefined;
        if (last && last.type === 'code' && last.offset === offset && last.length === length) {
          entities.pop();
          entities.push(language ? { type: 'pre', offset, length, language } : { type: 'pre', offset, length });
        } else {
          entities.push({ type: 'pre', offset, length });
        }
        break;
      }
      case 'blockquote':
        entities.push({ type: open.expandable ? 'expandable_blockquote' : 'blockquote', offset, length });
        break;
      case 'tg-emoji':
        if (open.arg) entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: open.arg });
        break;
      default:
        // tg-time and others: accepted, no entity recorded by the fake.
        break;
    }
  }
  const unclosedTag = stack.at(-1);
  if (unclosedTag) return fail(`Can't find end tag corresponding to start tag "${unclosedTag.tag}"`);
  return { ok: true, text: result, entities: sortEntities(entities) };
}

type MdType =
  | 'Bold'
  | 'Italic'
  | 'Underline'
  | 'Strikethrough'
  | 'Spoiler'
  | 'Code'
  | 'Pre'
  | 'PreCode'
  | 'TextUrl'
  | 'CustomEmoji';

/** MarkdownV2 as tdlib parses it (without expandable-quote and tg://emoji subtleties). */
export function parseMarkdownV2(s: string): FormatResult {
  const fail = (message: string): FormatResult => ({ ok: false, error: message });
  const n = s.length;
  type Open = { type: MdType; arg: string; offset: number; bytePos: number };
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  let result = '';
  let quoteStart: number | null = null;
  const closeQuote = (): void => {
    if (quoteStart === null) return;
    let end = result.length;
    if (result.endsWith('\n')) end--;
    if (end > quoteStart) entities.push({ type: 'blockquote', offset: quoteStart, length: end - quoteStart });
    quoteStart = null;
  };
  for (let i = 0; i < n; i++) {
    const c = s[i] ?? '';
    const top = stack.at(-1);
    const inCode = top !== undefined && (top.type === 'Code' || top.type === 'Pre' || top.type === 'PreCode');
    if (!inCode && (i === 0 || s[i - 1] === '\n')) {
      if (c === '>') {
        if (quoteStart === null) quoteStart = result.length;
        continue;
      }
      if (quoteStart !== null) closeQuote();
    }
    const next = s[i + 1];
    if (c === '\\' && next !== undefined && next.charCodeAt(0) > 0 && next.charCodeAt(0) <= 126) {
      i++;
      result += next;
      continue;
    }
    const reserved = inCode ? '`' : '_*[]()~`>#+-=|{}.!';
    if (!reserved.includes(c)) {
      result += c;
      continue;
    }
    let isEnd = false;
    if (top) {
      switch (top.type) {
        case 'Bold':
          isEnd = c === '*';
          break;
        case 'Italic':
          isEnd = c === '_' && next !== '_';
          break;
        case 'Code':
          isEnd = c === '`';
          break;
        case 'Pre':
        case 'PreCode':
          isEnd = c === '`' && next === '`' && s[i + 2] === '`';
          break;
        case 'TextUrl':
        case 'CustomEmoji':
          isEnd = c === ']';
          break;
        case 'Underline':
          isEnd = c === '_' && next === '_';
          break;
        case 'Strikethrough':
          isEnd = c === '~';
          break;
        case 'Spoiler':
          isEnd = c === '|' && next === '|';
          break;
      }
    }
    const reservedError = (): FormatResult =>
      fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    if (!isEnd) {
      const bytePos = byteOffset(s, i);
      let type: MdType;
      let arg = '';
      switch (c) {
        case '_':
          if (next === '_') {
            type = 'Underline';
            i++;
          } else type = 'Italic';
          break;
        case '*':
          type = 'Bold';
          break;
        case '~':
          type = 'Strikethrough';
          break;
        case '|':
          if (next !== '|') return reservedError();
          i++;
          type = 'Spoiler';
          break;
        case '[':
          type = 'TextUrl';
          break;
        case '`':
          if (next === '`' && s[i + 2] === '`') {
            i += 3;
            type = 'Pre';
            let langEnd = i;
            while (!isSpace(s[langEnd]) && s[langEnd] !== '`') langEnd++;
            if (i !== langEnd && langEnd < n && s[langEnd] !== '`') {
              type = 'PreCode';
              arg = s.slice(i, langEnd);
              i = langEnd;
            }
            if (s[i] === '\n' || s[i] === '\r') {
              if ((s[i + 1] === '\n' || s[i + 1] === '\r') && s[i] !== s[i + 1]) i += 2;
              else i++;
            }
            i--;
          } else type = 'Code';
          break;
        case '!':
          if (next === '[') {
            i++;
            type = 'CustomEmoji';
            break;
          }
          return reservedError();
        default:
          return reservedError();
      }
      stack.push({ type, arg, offset: result.length, bytePos });
      continue;
    }
    const open = stack.pop();
    if (!open) return reservedError();
    let url = '';
    switch (open.type) {
      case 'Underline':
      case 'Spoiler':
        i++;
        break;
      case 'Pre':
      case 'PreCode':
        i += 2;
        break;
      case 'TextUrl':
      case 'CustomEmoji':
        if (s[i + 1] !== '(') {
          if (open.type === 'CustomEmoji') return fail('Custom emoji entity must contain a tg://emoji URL');
          url = result.slice(open.offset);
        } else {
          i += 2;
          const urlBegin = i;
          while (i < n && s[i] !== ')') {
            const u = s[i + 1];
            if (s[i] === '\\' && u !== undefined && u.charCodeAt(0) > 0 && u.charCodeAt(0) <= 126) {
              url += u;
              i += 2;
              continue;
            }
            url += s[i];
            i++;
          }
          if (s[i] !== ')') return fail(`Can't find end of a URL at byte offset ${byteOffset(s, urlBegin)}`);
        }
        break;
      default:
        break;
    }
    const offset = open.offset;
    const length = result.length - offset;
    if (length === 0) continue;
    switch (open.type) {
      case 'Bold':
        entities.push({ type: 'bold', offset, length });
        break;
      case 'Italic':
        entities.push({ type: 'italic', offset, length });
        break;
      case 'Underline':
        entities.push({ type: 'underline', offset, length });
        break;
      case 'Strikethrough':
        entities.push({ type: 'strikethrough', offset, length });
        break;
      case 'Spoiler':
        entities.push({ type: 'spoiler', offset, length });
        break;
      case 'Code':
        entities.push({ type: 'code', offset, length });
        break;
      case 'Pre':
        entities.push({ type: 'pre', offset, length });
        break;
      case 'PreCode':
        entities.push({ type: 'pre', offset, length, language: open.arg });
        break;
      case 'TextUrl':
        if (url) entities.push({ type: 'text_link', offset, length, url });
        break;
      case 'CustomEmoji': {
        const id = /id=(\d+)/.exec(url)?.[1];
        if (id) entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: id });
        break;
      }
    }
  }
  const unclosed = stack.at(-1);
  if (unclosed) return fail(`Can't find end of ${unclosed.type} entity at byte offset ${unclosed.bytePos}`);
  closeQuote();
  return { ok: true, text: result, entities: sortEntities(entities) };
}

/** Legacy Markdown (`*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`). */
export function parseMarkdown(s: string): FormatResult {
  const n = s.length;
  const entities: MessageEntity[] = [];
  let result = '';
  for (let i = 0; i < n; i++) {
    const c = s[i] ?? '';
    const next = s[i + 1];
    if (c === '\\' && (next === '_' || next === '*' || next === '`' || next === '[')) {
      i++;
      result += next;
      continue;
    }
    if (c !== '_' && c !== '*' && c !== '`' && c !== '[') {
      result += c;
      continue;
    }
    const begin = i;
    const endChar = c === '[' ? ']' : c;
    i++;
    let language = '';
    let isPre = false;
    if (c === '`' && s[i] === '`' && s[i + 1] === '`') {
      i += 2;
      isPre = true;
      let langEnd = i;
      while (!isSpace(s[langEnd]) && s[langEnd] !== '`') langEnd++;
      if (i !== langEnd && langEnd < n && s[langEnd] !== '`') {
        language = s.slice(i, langEnd);
        i = langEnd;
      }
      if (s[i] === '\n' || s[i] === '\r') {
        if ((s[i + 1] === '\n' || s[i + 1] === '\r') && s[i] !== s[i + 1]) i += 2;
        else i++;
      }
    }
    const offset = result.length;
    while (i < n && (s[i] !== endChar || (isPre && !(s[i + 1] === '`' && s[i + 2] === '`')))) {
      result += s[i];
      i++;
    }
    if (i >= n) {
      return { ok: false, error: `Can't find end of the entity starting at byte offset ${byteOffset(s, begin)}` };
    }
    const length = result.length - offset;
    if (isPre) i += 2;
    let url = '';
    if (c === '[') {
      if (s[i + 1] === '(') {
        i += 2;
        while (i < n && s[i] !== ')') {
          url += s[i];
          i++;
        }
      } else url = result.slice(offset);
    }
    if (length === 0) continue;
    if (c === '_') entities.push({ type: 'italic', offset, length });
    else if (c === '*') entities.push({ type: 'bold', offset, length });
    else if (c === '[') {
      if (url) entities.push({ type: 'text_link', offset, length, url });
    } else if (isPre) {
      entities.push(language ? { type: 'pre', offset, length, language } : { type: 'pre', offset, length });
    } else entities.push({ type: 'code', offset, length });
  }
  return { ok: true, text: result, entities: sortEntities(entities) };
}

/** Removes leading/trailing whitespace like Telegram does and shifts/clips entities accordingly. */
export function trimFormatted(text: string, entities: MessageEntity[]): { text: string; entities: MessageEntity[] } {
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const out: MessageEntity[] = [];
  for (const e of entities) {
    const start = Math.max(0, e.offset - lead);
    const end = Math.min(trimmed.length, e.offset + e.length - lead);
    if (end > start) out.push({ ...e, offset: start, length: end - start });
  }
  return { text: trimmed, entities: out };
}

/**
 * Parses `text` according to `parseMode` (or takes explicit `entities`), then trims it.
 * Errors carry Telegram's description without the "Bad Request: " prefix.
 */
export function formatText(
  text: string,
  parseMode: string | undefined,
  entities: MessageEntity[] | undefined,
  options: { strictAmpersand?: boolean } = {},
): FormatResult {
  let parsed: FormatResult;
  if (parseMode === undefined || parseMode === '') parsed = { ok: true, text, entities: entities ?? [] };
  else {
    const mode = parseMode.toLowerCase();
    if (mode === 'html') parsed = parseHtml(text, options);
    else if (mode === 'markdownv2') parsed = parseMarkdownV2(text);
    else if (mode === 'markdown') parsed = parseMarkdown(text);
    else return { ok: false, error: 'unsupported parse_mode' };
    if (!parsed.ok) return { ok: false, error: `can't parse entities: ${parsed.error}` };
  }
  if (!parsed.ok) return parsed;
  const trimmed = trimFormatted(parsed.text, parsed.entities);
  return { ok: true, text: trimmed.text, entities: trimmed.entities };
}
