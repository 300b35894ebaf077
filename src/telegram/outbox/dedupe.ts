import type { Clock } from '../../core/clock.ts';
import { toError } from '../../core/errors.ts';
import type { ChatRef, Delivery, OutMessage } from '../../core/outbox.ts';
import { renderChunks } from './chunks.ts';
import type { OutboxContext } from './context.ts';
import { failDelivery } from './delivery-result.ts';
import type { DeliveryRecord, DeliveryStore } from './delivery-store.ts';
import type { MessageSender } from './send-message.ts';

/** Sends a message at most once per dedupe key, resuming a partly delivered one where it stopped. */
export interface DedupedSender {
  send(to: ChatRef, message: OutMessage, dedupeKey: string): Promise<Delivery>;
}

/** Creates the deduplicating sender; `serial` runs the send in the chat's chain. */
export function createDedupedSender(deps: {
  ctx: OutboxContext;
  clock: Clock;
  deliveries: DeliveryStore;
  sender: MessageSender;
  serial: <T>(chatId: number, fn: () => Promise<T>) => Promise<T>;
}): DedupedSender {
  const { ctx, clock, deliveries, sender } = deps;
  const { log } = ctx;
  /** Concurrent sends of one key share the first one's result. */
  const inflight = new Map<string, Promise<Delivery>>();

  async function priorDelivery(key: string): Promise<DeliveryRecord | undefined> {
    try {
      return await deliveries.get(key);
    } catch (err) {
      log.error({ err: toError(err), dedupeKey: key }, 'Cannot read the delivery record; sending as new');
      return undefined;
    }
  }

  async function sendDeduped(to: ChatRef, message: OutMessage, key: string): Promise<Delivery> {
    const chunks = renderChunks(message, ctx.limit);
    if (chunks.length === 0) return failDelivery('failed', 'Nothing to send: the message text is empty.');
    const prior = await priorDelivery(key);
    if (prior && prior.chunks_done >= prior.parts) {
      log.info({ dedupeKey: key, chatId: to.chatId }, 'Duplicate send suppressed: returning the recorded delivery');
      return { ok: true, messageIds: prior.message_ids };
    }
    const startAt = prior && prior.parts === chunks.length ? prior.chunks_done : 0;
    const ids = startAt > 0 && prior ? [...prior.message_ids] : [];
    if (startAt > 0) log.info({ dedupeKey: key, startAt, parts: chunks.length }, 'Resuming a partly delivered message');
    const now = clock.now();
    const result = await sender.deliver(to, chunks, message, startAt, async (newIds, done) => {
      ids.push(...newIds);
      try {
        const row = { chatId: ctx.chats.chatOf(to), messageIds: ids, parts: chunks.length, done };
        await deliveries.record(key, { ...row, createdAt: now, updatedAt: clock.now() });
      } catch (err) {
        // Delivered but not recorded: a retry could post it again. Logged loudly; the delivery itself stands.
        log.error({ err: toError(err), dedupeKey: key }, 'Cannot record a delivery for dedupe');
      }
    });
    return result.ok ? { ok: true, messageIds: ids } : result;
  }

  return {
    send(to, message, key) {
      const running = inflight.get(key);
      if (running) return running;
      const p = deps.serial(to.chatId, () => sendDeduped(to, message, key)).finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
  };
}
