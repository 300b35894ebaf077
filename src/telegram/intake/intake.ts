import type { Update } from 'grammy/types';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { IncomingEntry, Journal } from './journal.ts';
import { chatKeyOf, isHandledKind, kindOf, stripUpdate } from './classify.ts';

export interface IntakeOptions {
  journal: Journal;
  dispatcher: Dispatcher;
  log: Logger;
  /** True when only metadata of this update may be stored (an unauthorized sender, or group chatter not for us). */
  metadataOnly?: (update: Update) => Promise<boolean>;
  /** Makes the metadata-only copy. Default `stripUpdate`. */
  strip?: (update: Update) => Update;
  /**
   * Runs first, before anything records the update: returns the copy to journal and dispatch instead (e.g. a
   * /connect value, stored encrypted and replaced by a bare message), or undefined to keep it.
   */
  intercept?: (update: Update) => Promise<Update | undefined>;
}

/** Entry point for every update from Telegram (polling or webhook): journal first, then dispatch. */
export interface Intake {
  /** Journals the batch atomically (duplicates dropped), then hands the new updates to the dispatcher. */
  accept(updates: Update[]): Promise<{ accepted: number; duplicates: number; ignored: number }>;
  /**
   * Claims and re-dispatches updates left unfinished by a crash or shutdown (leases expired, or owners dead), oldest
   * first. Updates another live instance is working on are left alone. Returns how many were taken over.
   */
  recover(): Promise<number>;
}

export function createIntake(options: IntakeOptions): Intake {
  const { journal, dispatcher, log } = options;
  return {
    async accept(updates) {
      const entries: IncomingEntry[] = [];
      for (const received of updates) {
        const replaced = await options.intercept?.(received);
        const update = replaced ?? received;
        const kind = kindOf(update);
        let chatKey: string | null;
        try {
          chatKey = chatKeyOf(update);
        } catch (err) {
          // A malformed payload (e.g. a webhook body with `message: {}`): journal it as ignored so it is
          // acknowledged once, instead of failing the batch and being redelivered forever.
          log.warn({ err: toError(err), update_id: update.update_id, kind }, 'malformed update ignored');
          entries.push({
            updateId: update.update_id,
            chatKey: null,
            kind,
            update: { update_id: update.update_id } as Update,
            state: 'ignored',
          });
          continue;
        }
        const handled = isHandledKind(kind);
        let stored = update;
        if (!handled) stored = { update_id: update.update_id } as Update;
        else if (!replaced && options.metadataOnly && (await options.metadataOnly(update)))
          stored = (options.strip ?? stripUpdate)(update);
        entries.push({
          updateId: update.update_id,
          chatKey,
          kind,
          update: stored,
          state: handled ? 'pending' : 'ignored',
        });
      }
      const fresh = await journal.accept(entries);
      let ignored = 0;
      for (const e of fresh) {
        if (e.state === 'ignored') {
          ignored++;
          log.debug({ update_id: e.updateId, kind: e.kind }, 'update kind not handled; ignored');
          continue;
        }
        dispatcher.enqueue({ updateId: e.updateId, chatKey: e.chatKey, update: e.update });
      }
      const duplicates = entries.length - fresh.length;
      if (duplicates > 0) log.info({ duplicates }, 'duplicate updates ignored');
      return { accepted: fresh.length - ignored, duplicates, ignored };
    },
    async recover() {
      const rows = await journal.claim();
      for (const row of rows) {
        dispatcher.enqueue({
          updateId: row.updateId,
          chatKey: row.chatKey,
          update: row.update,
          attempts: row.attempts,
        });
      }
      if (rows.length > 0) log.info({ count: rows.length }, 'resuming unfinished updates from the journal');
      return rows.length;
    },
  };
}
