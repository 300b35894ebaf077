import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { AppError } from '../core/errors.ts';
import type { Keyboard } from '../core/outbox.ts';

/** Telegram's limit on callback_data, in UTF-8 bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

/** Throws AppError('invalid_input') when `data` is empty or longer than Telegram accepts. */
export function assertCallbackData(data: string): void {
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes === 0 || bytes > CALLBACK_DATA_MAX_BYTES) {
    throw new AppError(
      'invalid_input',
      `callback_data must be 1–${CALLBACK_DATA_MAX_BYTES} bytes (UTF-8), got ${bytes}: "${data.slice(0, 80)}". Use a short opaque id and look the details up server-side.`,
    );
  }
}

/** Converts our Keyboard to Telegram's inline `reply_markup`, validating every button. Empty → undefined. */
export function toReplyMarkup(keyboard: Keyboard | undefined): InlineKeyboardMarkup | undefined {
  if (!keyboard) return undefined;
  const rows: InlineKeyboardButton[][] = [];
  for (const row of keyboard) {
    const out: InlineKeyboardButton[] = [];
    for (const button of row) {
      if (button.text.trim() === '') throw new AppError('invalid_input', 'Inline button text must not be empty.');
      if ('data' in button) {
        assertCallbackData(button.data);
        out.push({ text: button.text, callback_data: button.data });
      } else {
        if (!/^(https?:\/\/|tg:\/\/)/i.test(button.url)) {
          throw new AppError(
            'invalid_input',
            `Inline button URL must be http(s):// or tg://, got "${button.url.slice(0, 80)}".`,
          );
        }
        out.push({ text: button.text, url: button.url });
      }
    }
    if (out.length > 0) rows.push(out);
  }
  return rows.length > 0 ? { inline_keyboard: rows } : undefined;
}
