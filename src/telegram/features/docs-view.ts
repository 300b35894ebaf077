import { libraryData } from '../../core/keys/callback-data.ts';
import type { Keyboard, OutMessage } from '../../core/outbox.ts';
import { formatDayMonth } from '../../core/zoned-time.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { DocumentInfo, KnowledgeHit } from '../../knowledge/types.ts';
import { docsTexts, sizeWords } from './docs-texts.ts';

/** Documents per /docs page. */
export const DOCS_PAGE_SIZE = 5;

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** "12 pages · 40 passages · 340 KB" in the reader's words. */
function facts(doc: DocumentInfo, locale: Locale): string {
  const t = docsTexts(locale);
  return [
    ...(doc.pages !== undefined ? [t.pages({ n: doc.pages })] : []),
    t.chunks({ n: doc.chunks }),
    sizeWords(doc.bytes, t),
  ].join(' · ');
}

/** The card's buttons: Delete and Ask about it. */
export function cardKeyboard(doc: DocumentInfo, locale: Locale): Keyboard {
  const t = docsTexts(locale);
  return [
    [
      { text: t.deleteButton, data: libraryData.encode({ action: 'delete', docId: doc.id }) },
      { text: t.askButton, data: libraryData.encode({ action: 'ask', docId: doc.id }) },
    ],
  ];
}

/** A document's summary card: title, pages, passages, size, where it went, with Delete and Ask about it. */
export function renderCard(doc: DocumentInfo, o: { duplicate: boolean; group: boolean; locale: Locale }): OutMessage {
  const t = docsTexts(o.locale);
  const note = o.duplicate
    ? o.group
      ? t.duplicateGroup
      : t.duplicatePrivate
    : o.group
      ? t.savedGroup
      : t.savedPrivate;
  return {
    text: `📄 ${clip(doc.title, 200)}\n${facts(doc, o.locale)}\n\n${note}`,
    format: 'plain',
    keyboard: cardKeyboard(doc, o.locale),
  };
}

/** One /docs page: a line per document (size, date), a 🗑 button per document and ◀ ▶ between pages. */
export function renderDocsPage(
  list: { documents: DocumentInfo[]; total: number },
  page: number,
  o: { group: boolean; locale: Locale; zone: string },
): OutMessage {
  const t = docsTexts(o.locale);
  if (list.total === 0) return { text: o.group ? t.emptyGroup : t.emptyPrivate, format: 'plain' };
  const pages = Math.max(1, Math.ceil(list.total / DOCS_PAGE_SIZE));
  const lines = list.documents.map((d, i) => {
    const n = page * DOCS_PAGE_SIZE + i + 1;
    const state = d.status === 'ingesting' ? ` (${t.ingesting})` : d.status === 'failed' ? ` (${t.failedStatus})` : '';
    const date = formatDayMonth(d.createdAt, o.zone, { year: true, locale: o.locale });
    return `${n}. ${clip(d.title, 80)}${state}\n    ${facts(d, o.locale)} · ${date}`;
  });
  const keyboard: Keyboard = list.documents.map((d, i) => [
    {
      text: `🗑 ${page * DOCS_PAGE_SIZE + i + 1}. ${clip(d.title, 40)}`,
      data: libraryData.encode({ action: 'delete', docId: d.id, page }),
    },
  ]);
  const nav = [
    ...(page > 0 ? [{ text: '◀', data: libraryData.encode({ action: 'page', page: page - 1 }) }] : []),
    ...(page < pages - 1 ? [{ text: '▶', data: libraryData.encode({ action: 'page', page: page + 1 }) }] : []),
  ];
  if (nav.length > 0) keyboard.push(nav);
  return {
    text: `${t.listHeader({ total: list.total, page: page + 1, pages })}\n\n${lines.join('\n')}\n\n${t.listFooter}`,
    format: 'plain',
    keyboard,
  };
}

/** "Delete “report.pdf”…?" with Yes / Keep (`page` when asked from /docs, to go back to that page). */
export function renderConfirm(doc: DocumentInfo, page: number | undefined, locale: Locale): OutMessage {
  const t = docsTexts(locale);
  const at = page !== undefined ? { page } : {};
  return {
    text: `${t.confirmDelete({ title: clip(doc.title, 200) })}\n${facts(doc, locale)}`,
    format: 'plain',
    keyboard: [
      [
        { text: t.confirmYes, data: libraryData.encode({ action: 'confirm', docId: doc.id, ...at }) },
        { text: t.confirmNo, data: libraryData.encode({ action: 'keep', docId: doc.id, ...at }) },
      ],
    ],
  };
}

/** "report.pdf, p. 12" in the reader's words. */
export function sourceWords(hit: Pick<KnowledgeHit, 'title' | 'page'>, locale: Locale): string {
  return hit.page !== undefined ? docsTexts(locale).sourcePage({ title: hit.title, page: hit.page }) : hit.title;
}

/** The citation buttons of an answer: one per cited passage ("📄 report.pdf p. 12"), at most `max`, two a row. */
export function citationKeyboard(hits: KnowledgeHit[], locale: Locale, max = 4): Keyboard {
  const t = docsTexts(locale);
  const buttons = hits.slice(0, max).map((h) => ({
    text: h.page !== undefined ? t.citationPage({ title: clip(h.title, 28), page: h.page }) : `📄 ${clip(h.title, 32)}`,
    data: libraryData.encode({ action: 'cite', citationId: h.citationId }),
  }));
  const rows: Keyboard = [];
  for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  return rows;
}

/** The passage a citation button sends: its source, heading and the quoted text. */
export function renderPassage(hit: KnowledgeHit, locale: Locale): OutMessage {
  const heading = hit.heading ? `\n${clip(hit.heading, 200)}` : '';
  return { text: `📄 ${sourceWords(hit, locale)}${heading}\n\n“${clip(hit.text.trim(), 3500)}”`, format: 'plain' };
}
