import { z } from 'zod';
import type { Store } from '../../store/db.ts';

const DeliveryRow = z.object({
  chat_id: z.number(),
  message_ids: z.string().transform((s, ctx) => {
    try {
      return z.array(z.number().int()).parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'message_ids is not a JSON array of integers' });
      return z.NEVER;
    }
  }),
  parts: z.number().int(),
  chunks_done: z.number().int(),
});

/** A recorded (possibly partial) delivery of a deduplicated message. */
export type DeliveryRecord = z.infer<typeof DeliveryRow>;

/** The `outbox_deliveries` table: which parts of a deduplicated message Telegram confirmed. */
export interface DeliveryStore {
  get(dedupeKey: string): Promise<DeliveryRecord | undefined>;
  record(
    dedupeKey: string,
    row: { chatId: number; messageIds: number[]; parts: number; done: number; createdAt: number; updatedAt: number },
  ): Promise<void>;
  isComplete(dedupeKey: string): Promise<boolean>;
}

/** SQL for delivery receipts. */
export function createDeliveryStore(store: Store): DeliveryStore {
  return {
    async get(dedupeKey) {
      const row = await store.get(
        'SELECT chat_id, message_ids, parts, chunks_done FROM outbox_deliveries WHERE dedupe_key = ?',
        [dedupeKey],
      );
      return row ? DeliveryRow.parse(row) : undefined;
    },
    async record(dedupeKey, r) {
      await store.run(
        `INSERT INTO outbox_deliveries (dedupe_key, chat_id, message_ids, parts, chunks_done, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (dedupe_key) DO UPDATE SET chat_id = excluded.chat_id, message_ids = excluded.message_ids,
             parts = excluded.parts, chunks_done = excluded.chunks_done, updated_at = excluded.updated_at`,
        [dedupeKey, r.chatId, JSON.stringify(r.messageIds), r.parts, r.done, r.createdAt, r.updatedAt],
      );
    },
    async isComplete(dedupeKey) {
      const row = await store.get('SELECT parts, chunks_done FROM outbox_deliveries WHERE dedupe_key = ?', [dedupeKey]);
      return row !== undefined && Number(row.chunks_done) >= Number(row.parts);
    },
  };
}
