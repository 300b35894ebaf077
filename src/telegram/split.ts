import { decodeEntities } from './format.ts';

/** Telegram's limit on a message's text, counted after entity parsing in UTF-16 code units. */
export const TELEGRAM_TEXT_LIMIT = 4096;

type Atom =
  | { t: 'open'; name: string; raw: string }
  | { t: 'close'; name: string; raw: string }
  /** One visible character (a code point, or one HTML entity); `units` is its UTF-16 length. */
  | { t: 'char'; raw: string; vis: string; units: number };

const TELEGRAM_NAMED = { amp: '&', lt: '<', gt: '>', quot: '"' };
const HTML_ATOM =
  /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^>]*)?>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;
const CHAR_ATOM = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

function htmlAtoms(html: string): Atom[] {
  const atoms: Atom[] = [];
  for (const m of html.matchAll(HTML_ATOM)) {
    const raw = m[0];
    if (m[2] !== undefined) {
      atoms.push({ t: m[1] === '/' ? 'close' : 'open', name: m[2].toLowerCase(), raw });
    } else {
      const vis = raw.length > 2 && raw.startsWith('&') ? decodeEntities(raw, TELEGRAM_NAMED) : raw;
      atoms.push({ t: 'char', raw, vis, units: vis.length });
    }
  }
  return atoms;
}

function plainAtoms(text: string): Atom[] {
  const atoms: Atom[] = [];
  for (const m of text.matchAll(CHAR_ATOM)) atoms.push({ t: 'char', raw: m[0], vis: m[0], units: m[0].length });
  return atoms;
}

const isSpace = (a: Atom | undefined): boolean => a?.t === 'char' && /^\s$/.test(a.vis);

function closeTag(open: Atom & { t: 'open' }): string {
  return `</${open.name}>`;
}

/** The open-tag stack after applying atoms[from, to) to `stack`. */
function advanceStack(
  stack: (Atom & { t: 'open' })[],
  atoms: Atom[],
  from: number,
  to: number,
): (Atom & { t: 'open' })[] {
  const next = [...stack];
  for (let i = from; i < to; i++) {
    const a = atoms[i];
    if (a?.t === 'open') next.push(a);
    else if (a?.t === 'close') {
      const at = next.map((o) => o.name).lastIndexOf(a.name);
      if (at >= 0) next.splice(at, 1);
    }
  }
  return next;
}

interface Range {
  from: number;
  to: number;
}

/**
 * Chooses chunk boundaries: each chunk's visible length ≤ `limit` and raw length (with re-opened and closed tags)
 * ≤ `rawLimit`, cut preferably at a paragraph break, then a line break, then a space, else anywhere between
 * characters. Atoms are never split, so tags, entities and surrogate pairs stay whole.
 */
function chooseRanges(atoms: Atom[], limit: number, rawLimit: number): Range[] {
  const ranges: Range[] = [];
  let stack: (Atom & { t: 'open' })[] = [];
  let pos = 0;
  while (pos < atoms.length) {
    let units = 0;
    let raw = stack.reduce((n, o) => n + o.raw.length + closeTag(o).length, 0);
    const live = [...stack];
    let para = -1;
    let line = -1;
    let space = -1;
    let paraUnits = 0;
    let lineUnits = 0;
    let spaceUnits = 0;
    let i = pos;
    for (; i < atoms.length; i++) {
      const a = atoms[i]!;
      if (a.t === 'char') {
        if (units + a.units > limit || raw + a.raw.length > rawLimit) break;
        units += a.units;
        raw += a.raw.length;
        if (a.vis === '\n') {
          let j = i - 1;
          while (j >= pos && atoms[j]?.t !== 'char') j--;
          const prev = atoms[j];
          if (prev?.t === 'char' && prev.vis === '\n') {
            para = i;
            paraUnits = units;
          }
          line = i;
          lineUnits = units;
        } else if (isSpace(a)) {
          space = i;
          spaceUnits = units;
        }
      } else if (a.t === 'open') {
        const cost = a.raw.length + closeTag(a).length;
        if (raw + cost > rawLimit) break;
        raw += cost;
        live.push(a);
      } else {
        const at = live.map((o) => o.name).lastIndexOf(a.name);
        if (at >= 0) {
          // Its closing tag was already counted when it opened.
          live.splice(at, 1);
        } else {
          raw += a.raw.length;
        }
      }
    }
    if (i >= atoms.length) {
      ranges.push({ from: pos, to: atoms.length });
      break;
    }
    let cut: number;
    if (para > pos && paraUnits >= limit * 0.5) cut = para;
    else if (line > pos && lineUnits >= limit * 0.3) cut = line;
    else if (space > pos && spaceUnits >= limit * 0.3) cut = space;
    else cut = -1;
    let to: number;
    let next: number;
    if (cut >= 0) {
      // The whitespace we cut at is dropped: Telegram trims it anyway.
      to = cut;
      next = cut + 1;
    } else {
      to = Math.max(i, pos + 1);
      next = to;
    }
    ranges.push({ from: pos, to });
    stack = advanceStack(stack, atoms, pos, next);
    pos = next;
  }
  return ranges;
}

/** Removes elements that wrap nothing but whitespace (Telegram rejects or drops them). */
function dropEmptyElements(html: string): string {
  let prev: string;
  let out = html;
  do {
    prev = out;
    out = out.replace(/<([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^>]*)?>(\s*)<\/\1>/g, '$2');
  } while (out !== prev);
  return out;
}

function trimRange(atoms: Atom[], range: Range): Range {
  let { from, to } = range;
  // Leading/trailing whitespace is trimmed by Telegram; dropping it here keeps counts honest.
  const firstChar = (): number => {
    let k = from;
    while (k < to && atoms[k]?.t !== 'char') k++;
    return k;
  };
  let k = firstChar();
  while (k < to && isSpace(atoms[k])) {
    atoms.splice(k, 1);
    to--;
    k = firstChar();
  }
  let e = to - 1;
  while (e >= from) {
    const a = atoms[e];
    if (a?.t === 'char') {
      if (!isSpace(a)) break;
      atoms.splice(e, 1);
      to--;
    }
    e--;
  }
  from = Math.min(from, to);
  return { from, to };
}

/**
 * Splits Telegram HTML into messages of at most `limit` visible UTF-16 units, on block boundaries when possible.
 * Tags open at a cut are closed at the end of the chunk and re-opened (with their attributes, e.g. a code block's
 * language class) at the start of the next. Chunks never end inside a tag, an entity or a surrogate pair.
 */
export function splitHtml(html: string, limit = TELEGRAM_TEXT_LIMIT, options: { rawLimit?: number } = {}): string[] {
  const rawLimit = options.rawLimit ?? limit * 8;
  const atoms = htmlAtoms(html);
  const ranges = chooseRanges(atoms, limit, rawLimit);
  const chunks: string[] = [];
  let stack: (Atom & { t: 'open' })[] = [];
  for (const range of ranges) {
    const startStack = stack;
    const slice = atoms.slice(range.from, range.to);
    stack = advanceStack(stack, atoms, range.from, range.to);
    const local: Atom[] = [...startStack, ...slice];
    const trimmed = trimRange(local, { from: 0, to: local.length });
    const body = local.slice(trimmed.from, trimmed.to);
    const endStack = advanceStack([], body, 0, body.length);
    const text =
      body.map((a) => a.raw).join('') +
      endStack
        .slice()
        .reverse()
        .map((o) => closeTag(o))
        .join('');
    const chunk = dropEmptyElements(text);
    if (chunk.trim() !== '' && body.some((a) => a.t === 'char')) chunks.push(chunk);
  }
  return chunks;
}

/** Splits plain text into messages of at most `limit` UTF-16 units on paragraph, line or word boundaries. */
export function splitPlain(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const atoms = plainAtoms(text);
  const ranges = chooseRanges(atoms, limit, Number.POSITIVE_INFINITY);
  const out: string[] = [];
  for (const r of ranges) {
    const chunk = atoms
      .slice(r.from, r.to)
      .map((a) => a.raw)
      .join('')
      .trim();
    if (chunk !== '') out.push(chunk);
  }
  return out;
}

/** The visible length of Telegram HTML in UTF-16 units (what Telegram checks against 4096). */
export function visibleLength(html: string): number {
  let n = 0;
  for (const a of htmlAtoms(html)) if (a.t === 'char') n += a.units;
  return n;
}

/** Cuts plain text to at most `limit` UTF-16 units from the end, keeping surrogate pairs whole ("…" + tail). */
export function tailOf(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let start = text.length - (limit - 1);
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start++;
  return `…${text.slice(start)}`;
}
