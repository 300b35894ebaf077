import type { Update } from 'grammy/types';
import { z } from 'zod';
import { senderOf } from './classify.ts';

/** Processing state of one journaled update. */
export type UpdateState = 'pending' | 'running' | 'done' | 'failed' | 'ignored';

/** One update as the journal knows it. `update` is what was stored (stripped for unauthorized users). */
export interface JournalEntry {
  updateId: number;
  chatKey: string | null;
  kind: string;
  update: Update;
  state: UpdateState;
  attempts: number;
}

/** What intake hands to `accept`: the update to store and how it starts. */
export interface IncomingEntry {
  updateId: number;
  chatKey: string | null;
  kind: string;
  update: Update;
  state: 'pending' | 'ignored';
}

/** Bound on SQL parameters per statement. */
const CHUNK = 400;
/** The SQL condition of a row still to run. */
export const UNFINISHED = `state IN ('pending','running')`;
/** A list bound as one JSON parameter: the SQL text stays the same for any length (one cached statement). */
export const IN_JSON = '(SELECT value FROM json_each(?))';
/** The columns `toEntry` reads. */
export const ENTRY_COLUMNS = 'update_id, chat_key, kind, payload, state, attempts';

const stateSchema = z.enum(['pending', 'running', 'done', 'failed', 'ignored']);
const payloadSchema = z.looseObject({ update_id: z.number().int() });

/** Maps an `updates` row (ENTRY_COLUMNS) to an entry; the payload and state are validated. */
export function toEntry(row: Record<string, unknown>): JournalEntry {
  const payload = payloadSchema.parse(JSON.parse(String(row.payload)));
  return {
    updateId: Number(row.update_id),
    chatKey: row.chat_key === null || row.chat_key === undefined ? null : String(row.chat_key),
    kind: String(row.kind),
    update: payload as unknown as Update,
    state: stateSchema.parse(row.state),
    attempts: Number(row.attempts),
  };
}

/** Splits ids into statement-sized parts. */
export function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The sender of a journaled update (kept in `user_id` so /wipe and /export find a user's updates by index). */
export function senderId(e: IncomingEntry): number | null {
  try {
    return senderOf(e.update)?.id ?? null;
  } catch {
    return null;
  }
}
