/**
 * The /memory list as the user sees it. Every fact keeps its line and number for the life of the message: a
 * forgotten fact stays in place (struck through, with Undo while it can be undone), so no button ever moves onto
 * another fact. Buttons carry fact ids, never positions.
 */
import { z } from 'zod';
import { escapeHtml } from '../../core/html.ts';
import type { Button, Keyboard, OutMessage } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import { factForDisplay } from '../../memory/fact-display.ts';
import { memoryTexts } from './memory-texts.ts';

const ID = '[A-Za-z0-9_-]{4,40}';

/**
 * Callback data of the memory buttons: `mem:p:<page>:<owner>` page, `mem:d:<factId>:<page>` forget,
 * `mem:x:<factId>:<page>` the place of a forgotten fact, `mem:u:<factId>:<page>` undo, `mem:fu:<pendingId>:<owner>`
 * undo of a /forget, `mem:(wy|wn):<pendingId>` the /wipe confirmation.
 */
export const memData = z.union([
  z
    .string()
    .regex(/^mem:p:\d{1,4}:\d{1,15}$/)
    .transform((s) => {
      const [, , page, owner] = s.split(':');
      return { type: 'page' as const, page: Number(page), owner: Number(owner) };
    }),
  z
    .string()
    .regex(new RegExp(`^mem:[dxu]:${ID}:\\d{1,4}$`))
    .transform((s) => {
      const [, kind, id, page] = s.split(':');
      const type = kind === 'd' ? ('delete' as const) : kind === 'x' ? ('forgotten' as const) : ('undo' as const);
      return { type, id: id as string, page: Number(page) };
    }),
  z
    .string()
    .regex(new RegExp(`^mem:fu:${ID}:\\d{1,15}$`))
    .transform((s) => {
      const [, , id, owner] = s.split(':');
      return { type: 'undoForget' as const, id: id as string, owner: Number(owner) };
    }),
  z
    .string()
    .regex(new RegExp(`^mem:(wy|wn):${ID}$`))
    .transform((s) => {
      const [, action, id] = s.split(':');
      return { type: 'wipe' as const, action: action as 'wy' | 'wn', id: id as string };
    }),
]);
export type MemData = z.infer<typeof memData>;

/** One line of the list: a fact as it is now. `text` is absent once a forgotten fact was deleted for good. */
export interface Slot {
  id: string;
  text?: string;
  state: 'active' | 'undoable' | 'forgotten';
}

const markupSchema = z.object({
  inline_keyboard: z.array(z.array(z.object({ text: z.string(), callback_data: z.string().optional() }))),
});

/** The fact ids of a /memory message's lines, in order, read back from its keyboard (empty when there is none). */
export function slotIdsOf(replyMarkup: unknown): string[] {
  const markup = markupSchema.safeParse(replyMarkup);
  if (!markup.success) return [];
  const ids: string[] = [];
  for (const b of markup.data.inline_keyboard.flat()) {
    const d = memData.safeParse(b.callback_data ?? '');
    if (d.success && (d.data.type === 'delete' || d.data.type === 'forgotten')) ids.push(d.data.id);
  }
  return ids;
}

function rows(buttons: Button[], perRow: number): Keyboard {
  const out: Keyboard = [];
  for (let i = 0; i < buttons.length; i += perRow) out.push(buttons.slice(i, i + perRow));
  return out;
}

/** The English /memory text for a user with nothing remembered. */
export const EMPTY_MEMORY = memoryTexts('en').empty;

/**
 * The /memory message for one page: numbered facts as sentences about "you", "🗑 Forget <n>" per fact, "↩️ Undo <n>"
 * for one forgotten in the last minutes, ◀ ▶ when there is more than one page.
 */
export function renderMemoryPage(
  slots: Slot[],
  total: number,
  page: number,
  pageSize: number,
  owner: number,
  locale: Locale = 'en',
): OutMessage {
  const t = memoryTexts(locale);
  if (slots.length === 0 && total === 0) return { text: t.empty, format: 'plain' };
  const first = page * pageSize + 1;
  const lines = slots.map((s, i) => {
    const n = first + i;
    if (s.state === 'active') return `${n}. ${escapeHtml(factForDisplay(s.text ?? ''))}`;
    const text = s.text ? `<s>${escapeHtml(factForDisplay(s.text))}</s> — ` : '';
    return `${n}. ${text}${s.state === 'undoable' ? t.forgottenMark : t.forgottenForGood}`;
  });
  const slotButtons = slots.map(
    (s, i): Button =>
      s.state === 'active'
        ? { text: t.forgetButton({ n: first + i }), data: `mem:d:${s.id}:${page}` }
        : { text: t.forgottenButton({ n: first + i }), data: `mem:x:${s.id}:${page}` },
  );
  const undo = slots.flatMap((s, i): Button[] =>
    s.state === 'undoable' ? [{ text: t.undoButton({ n: first + i }), data: `mem:u:${s.id}:${page}` }] : [],
  );
  const keyboard: Keyboard = [...rows(slotButtons, 3), ...rows(undo, 3)];
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages > 1) {
    const nav: Button[] = [];
    if (page > 0) nav.push({ text: '◀', data: `mem:p:${page - 1}:${owner}` });
    nav.push({ text: `${Math.min(page, pages - 1) + 1}/${pages}`, data: `mem:p:${page}:${owner}` });
    if (page < pages - 1) nav.push({ text: '▶', data: `mem:p:${page + 1}:${owner}` });
    keyboard.push(nav);
  }
  const hint = undo.length > 0 ? t.undoHint : t.forgetHint;
  return {
    text: [t.header({ total }), ...lines, '', hint].join('\n'),
    format: 'html',
    keyboard,
  };
}

/** The message after /forget: what was forgotten, with one Undo for all of it. */
export function renderForgotten(texts: string[], pendingId: string, owner: number, locale: Locale = 'en'): OutMessage {
  const t = memoryTexts(locale);
  const shown = texts.map((text) => factForDisplay(text));
  const head =
    shown.length === 1
      ? t.forgottenOne({ text: shown[0] as string })
      : [t.forgottenMany({ n: shown.length }), ...shown.map((text) => `• ${text}`)].join('\n');
  return {
    text: `${head}\n\n${t.undoHint}`,
    format: 'plain',
    keyboard: [[{ text: t.undoAllButton, data: `mem:fu:${pendingId}:${owner}` }]],
  };
}
