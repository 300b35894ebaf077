import type { ChatRef, Delivery, Keyboard, Outbox } from '../core/outbox.ts';
import type { Store } from '../store/db.ts';
import { recordCards } from './cards.ts';
import { parseCardData } from './messages.ts';

function cardsIn(keyboard: Keyboard | undefined): { ids: string[]; solo: boolean } | undefined {
  const ids: string[] = [];
  let solo = false;
  for (const row of keyboard ?? []) {
    for (const b of row) {
      const card = 'data' in b ? parseCardData(b.data) : undefined;
      if (card) {
        ids.push(card.jobId);
        solo ||= card.solo;
      }
    }
  }
  return ids.length > 0 ? { ids, solo } : undefined;
}

/**
 * Wraps an outbox so that every delivered message carrying a job card's cancel button is remembered for that job
 * (whoever sent it: the turn's final answer, an approval's resumed answer, a scheduled task's post, a refresh).
 * The card can then be updated when the job fires or is deleted. The buttons sit on the last part of a split message.
 */
export function trackJobCards<O extends Outbox>(outbox: O, store: Store, onError: (err: unknown) => void): O {
  const remember = async (to: ChatRef, keyboard: Keyboard | undefined, delivery: Delivery): Promise<Delivery> => {
    const found = cardsIn(keyboard);
    const last = delivery.ok ? delivery.messageIds.at(-1) : undefined;
    if (found && last !== undefined) await recordCards(store, to.chatId, last, found.ids, found.solo).catch(onError);
    return delivery;
  };
  const send: Outbox['send'] = async (to, message) => remember(to, message.keyboard, await outbox.send(to, message));
  const edit = (async (to: ChatRef, messageId: number, message: Parameters<Outbox['send']>[1], ...rest: unknown[]) =>
    remember(
      to,
      message.keyboard,
      await (outbox.edit as (...a: unknown[]) => Promise<Delivery>)(to, messageId, message, ...rest),
    )) as Outbox['edit'];
  const editKeyboard: Outbox['editKeyboard'] = async (to, messageId, keyboard) => {
    const delivery = await outbox.editKeyboard(to, messageId, keyboard);
    return remember(to, keyboard, delivery.ok ? { ok: true, messageIds: [messageId] } : delivery);
  };
  return { ...outbox, send, edit, editKeyboard } as O;
}
