import { z } from 'zod';
import type { Button, Keyboard } from '../../core/outbox.ts';

const ID = '[A-Za-z0-9_-]{1,40}';
const ACTIONS = ['v', 'p', 'r', 'n', 'd', 'y', 't', 'q', 'k', 'c', 'x'] as const;
type Action = (typeof ACTIONS)[number];

/** Callback data of the /jobs and card buttons: `job:<action>:<id>[:v]` or a page `job:l:<n>`. */
export const jobData = z.union([
  z
    .string()
    .regex(new RegExp(`^job:(${ACTIONS.join('|')}):${ID}(:v)?$`))
    .transform((s) => {
      const [, action, id, view] = s.split(':');
      return { type: 'job' as const, action: action as Action, id: id!, inDetails: view === 'v' };
    }),
  z
    .string()
    .regex(/^job:l:\d{1,3}$/)
    .transform((s) => ({ type: 'page' as const, page: Number(s.split(':')[2]) })),
]);
/** A parsed `job:` button. */
export type JobButton = Extract<z.infer<typeof jobData>, { type: 'job' }>;

/** Callback data of a fired reminder's buttons: Snooze (`rem:s:<choice>:<id>:<sf>`) and Done (`rem:d:<id>:<sf>`). */
export const remData = z.union([
  z
    .string()
    .regex(new RegExp(`^rem:s:(10m|1h|tm):${ID}:\\d{1,15}$`))
    .transform((s) => {
      const [, , choice, id, sf] = s.split(':');
      return { action: 'snooze' as const, choice: choice as '10m' | '1h' | 'tm', id: id!, scheduledFor: Number(sf) };
    }),
  z
    .string()
    .regex(new RegExp(`^rem:d:${ID}:\\d{1,15}$`))
    .transform((s) => {
      const [, , id, sf] = s.split(':');
      return { action: 'done' as const, id: id!, scheduledFor: Number(sf) };
    }),
]);

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
