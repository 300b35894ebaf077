import { escapeHtml } from '../core/html.ts';
import { clip } from './arg-summary.ts';

/** One rendered line: its HTML and how many characters Telegram counts for it. */
export interface Line {
  html: string;
  visible: number;
}

/** A line from its HTML and the plain text Telegram will show for it. */
export const line = (html: string, plain: string): Line => ({ html, visible: plain.length });
export const codeLine = (plain: string): Line => line(`<code>${escapeHtml(plain)}</code>`, plain);

/**
 * A URL argument, host first and prominent, then the path, each query parameter on its own line and the fragment,
 * exactly as the tool will request it (normalised by the URL parser, so hidden characters show percent-encoded).
 * Within `budget` visible characters; a longer URL is cut with a note giving its full length.
 */
export function urlLines(key: string, raw: string, budget: number): Line[] {
  const label = key === 'url' ? '' : `${clip(key, 32)}: `;
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  const head: Line[] = [];
  const body: string[] = [];
  let full: string;
  if (!url) {
    const text = `${label}⚠️ not a valid URL:`;
    head.push(line(`${escapeHtml(label)}⚠️ <b>not a valid URL:</b>`, text));
    full = raw.trim();
    body.push(full);
  } else {
    const notes: string[] = [];
    if (url.protocol === 'http:') notes.push('http, not encrypted');
    if (url.username || url.password) notes.push('contains a user name or password');
    const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    const note = notes.length > 0 ? ` (${notes.join('; ')})` : '';
    head.push(
      line(
        `${escapeHtml(label)}🌐 <b>${escapeHtml(host)}</b>${note ? `<i>${escapeHtml(note)}</i>` : ''}`,
        `${label}🌐 ${host}${note}`,
      ),
    );
    full = url.href;
    body.push(url.pathname || '/');
    const params = url.search.length > 1 ? url.search.slice(1).split('&') : [];
    for (const [i, p] of params.entries()) body.push(`${i === 0 ? '?' : '&'}${p}`);
    if (url.hash) body.push(url.hash);
  }
  const out = [...head];
  // Keep room for the "shortened" note unless the last part fits whole.
  const NOTE_ROOM = 100;
  let room = budget - joinLines(head).visible - 1;
  let shown = 0;
  let cut = false;
  for (const [i, part] of body.entries()) {
    const need = part.length + 1;
    if (need <= room - (i === body.length - 1 ? 0 : NOTE_ROOM)) {
      out.push(codeLine(part));
      room -= need;
      shown += part.length;
      continue;
    }
    const take = room - NOTE_ROOM - 2;
    if (take > 0) {
      out.push(codeLine(`${part.slice(0, take)}…`));
      shown += take;
    }
    cut = true;
    break;
  }
  if (cut) {
    const text = `✂️ Shortened to fit one message: this URL is ${full.length.toLocaleString('en-US')} characters long; about ${shown.toLocaleString('en-US')} are shown.`;
    out.push(line(`<i>${escapeHtml(text)}</i>`, text));
  }
  return out;
}

/** Lines joined with newlines, and how many characters Telegram counts for them. */
export function joinLines(lines: Line[]): { html: string; visible: number } {
  return {
    html: lines.map((l) => l.html).join('\n'),
    visible: lines.reduce((n, l) => n + l.visible, 0) + Math.max(0, lines.length - 1),
  };
}
