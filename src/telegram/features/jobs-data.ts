import type { JobPress } from '../../core/keys/callback-data.ts';
import type { Button, Keyboard } from '../../core/outbox.ts';

/** A parsed `job:` button. */
export type JobButton = Extract<JobPress, { type: 'job' }>;

type MarkupRows = { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] } | undefined;

/** A message's current keyboard with each button passed through `map` (null drops it). */
export function mapKeyboard(markup: unknown, map: (b: Button) => Button | null): Keyboard | undefined {
  const out: Keyboard = [];
  for (const row of (markup as MarkupRows)?.inline_keyboard ?? []) {
    const kept: Button[] = [];
    for (const b of row) {
      const button: Button =
        b.callback_data !== undefined ? { text: b.text, data: b.callback_data } : { text: b.text, url: b.url ?? '' };
      const mapped = map(button);
      if (mapped) kept.push(mapped);
    }
    if (kept.length > 0) out.push(kept);
  }
  return out.length > 0 ? out : undefined;
}
