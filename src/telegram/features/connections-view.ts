import { z } from 'zod';
import type { Keyboard, OutMessage } from '../../core/outbox.ts';
import { formatDayMonth } from '../../core/zoned-time.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { SecretInfo } from '../../secrets/secret-store.ts';
import { connectTexts } from './connect-texts.ts';

/**
 * Buttons of /connect and /connections, for the presser's own secrets (private chat only): `sec:x` cancels the
 * waiting /connect, `sec:d:<name>` asks to delete, `sec:y:<name>` deletes, `sec:l` shows the list again.
 */
export type ConnectPress = { action: 'cancel' } | { action: 'list' } | { action: 'ask' | 'delete'; name: string };

const pressSchema = z
  .string()
  .max(64)
  .regex(/^sec:(x|l|[dy]:[a-z0-9_-]{1,32})$/)
  .transform((s): ConnectPress => {
    const [, action, name = ''] = s.split(':');
    if (action === 'x') return { action: 'cancel' };
    if (action === 'l') return { action: 'list' };
    return { action: action === 'd' ? 'ask' : 'delete', name };
  });

/** The press a button's data stands for, or undefined when it is malformed. */
export function parseConnectPress(data: string | undefined): ConnectPress | undefined {
  const parsed = pressSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

export const CANCEL_DATA = 'sec:x';

/** The /connections message: names and dates (never values), a Delete button per name. Plain text. */
export function renderConnections(list: SecretInfo[], timezone: string, locale: Locale): OutMessage {
  const t = connectTexts(locale);
  if (list.length === 0) return { text: t.none, format: 'plain' };
  const day = (at: number) => formatDayMonth(at, timezone, { year: true, locale });
  const lines = list.map((s) =>
    t.line({
      name: s.name,
      added: day(s.createdAt),
      changed: s.updatedAt !== s.createdAt ? day(s.updatedAt) : undefined,
    }),
  );
  const keyboard: Keyboard = list.map((s) => [{ text: t.deleteButton({ name: s.name }), data: `sec:d:${s.name}` }]);
  return { text: [t.header({ n: list.length }), ...lines].join('\n'), format: 'plain', keyboard };
}

/** The "Delete <name>?" confirmation that replaces the list. */
export function renderConfirmDelete(name: string, locale: Locale): OutMessage {
  const t = connectTexts(locale);
  return {
    text: t.confirmDelete({ name }),
    format: 'plain',
    keyboard: [
      [
        { text: t.yesDelete, data: `sec:y:${name}` },
        { text: t.keep, data: 'sec:l' },
      ],
    ],
  };
}
