import { z } from 'zod';
import { type TurnActivity, turnActivitySchema } from '../core/activity.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Row, Store, WriteTx } from '../store/db.ts';
import { topicKey } from './scope.ts';

const idListSchema = z.array(z.string());

/** What one answer used, as stored in `memory_last_used` (one row per chat, topic and user). */
export interface LastUsedRow {
  chatId: number;
  topicId: number | null;
  userId: number;
  turnId: string;
  factIds: string[];
  messageIds: string[];
  activity: TurnActivity | undefined;
  createdAt: number;
}

/** A JSON id list column; a damaged one reads as empty. */
export function idList(raw: unknown): string[] {
  return idListSchema.catch([]).parse(JSON.parse(String(raw)));
}

/** The `activity` column, validated; a damaged one is left out. */
export function activityOf(raw: unknown): TurnActivity | undefined {
  if (raw == null) return undefined;
  try {
    const parsed = turnActivitySchema.safeParse(JSON.parse(String(raw)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Maps a `memory_last_used` row. */
export function toLastUsedRow(r: Row): LastUsedRow {
  return {
    chatId: Number(r.chat_id),
    topicId: Number(r.topic_id) || null,
    userId: Number(r.user_id),
    turnId: String(r.turn_id),
    factIds: idList(r.fact_ids),
    messageIds: idList(r.message_ids),
    activity: activityOf(r.activity),
    createdAt: Number(r.created_at),
  };
}

/** Records (replacing the previous) what the user's last answer in this chat used. */
export async function saveLastUsed(
  tx: WriteTx,
  entry: {
    chat: ChatRef;
    userId: number;
    turnId: string;
    factIds: string[];
    messageIds: string[];
    activity?: TurnActivity;
    now: number;
  },
): Promise<void> {
  await tx.run(
    `INSERT INTO memory_last_used (chat_id, topic_id, user_id, turn_id, fact_ids, message_ids, activity, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (chat_id, topic_id, user_id) DO UPDATE SET turn_id = excluded.turn_id,
       fact_ids = excluded.fact_ids, message_ids = excluded.message_ids, activity = excluded.activity,
       created_at = excluded.created_at`,
    [
      entry.chat.chatId,
      topicKey(entry.chat),
      entry.userId,
      entry.turnId,
      JSON.stringify(entry.factIds),
      JSON.stringify(entry.messageIds),
      entry.activity ? JSON.stringify(entry.activity) : null,
      entry.now,
    ],
  );
}

/** The row of the user's last answer in this chat. */
export async function loadLastUsed(store: Store, chat: ChatRef, userId: number): Promise<LastUsedRow | undefined> {
  const row = await store.get('SELECT * FROM memory_last_used WHERE chat_id = ? AND topic_id = ? AND user_id = ?', [
    chat.chatId,
    topicKey(chat),
    userId,
  ]);
  return row ? toLastUsedRow(row) : undefined;
}
