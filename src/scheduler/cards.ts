import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Locale } from '../i18n/locale.ts';
import type { ChatRef, Outbox } from '../core/outbox.ts';
import type { Store } from '../store/db.ts';
import { type Job, jobFromRow } from './job.ts';
import { cardKeyboard, createdSummary, settledCardText } from './messages.ts';
import { nextRuns } from './schedule.ts';

/**
 * Confirmation cards that follow their job: the message showing a job's card is remembered (see card-tracker.ts),
 * and when the job has run for the last time, was deleted, restored or moved, the card is brought up to date, so
 * its "Cancel reminder" button never offers something that is no longer possible.
 */
export interface JobCards {
  /**
   * Rewrites a solo card from the job's state (active: the card with its button; ran out: "✅ Sent at 09:00";
   * deleted: "🗑 Deleted"), or for a card inside other text keeps only the buttons of jobs still active.
   * `except` is a message the caller edits itself. Best effort: a failure is logged.
   */
  refresh(job: Job, except?: number): Promise<void>;
}

/** Remembers that `messageId` in `chatId` shows the cards of `jobIds` (solo: the message is only that card). */
export async function recordCards(
  store: Store,
  chatId: number,
  messageId: number,
  jobIds: string[],
  solo: boolean,
): Promise<void> {
  if (jobIds.length === 0) return;
  await store.run(
    `UPDATE jobs SET card_message_id = ?, card_solo = ? WHERE chat_id = ? AND id IN (${jobIds.map(() => '?').join(',')})`,
    [messageId, solo ? 1 : 0, chatId, ...jobIds],
  );
}

export function createJobCards(deps: {
  store: Store;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  /** The language of the job owner's texts (default English). */
  localeOf?: (userId: number) => Promise<Locale>;
}): JobCards {
  const { store, outbox, clock, log } = deps;
  const refOf = (job: Job): ChatRef => ({
    chatId: job.chatId,
    ...(job.topicId !== undefined ? { topicId: job.topicId } : {}),
  });

  return {
    async refresh(job, except) {
      const messageId = job.cardMessageId;
      if (messageId === null || messageId === except) return;
      const now = clock.now();
      try {
        const locale = (await deps.localeOf?.(job.ownerUserId)) ?? 'en';
        if (job.cardSolo) {
          const settled = settledCardText(job, now, locale);
          if (settled !== undefined) {
            await outbox.edit(refOf(job), messageId, { text: settled, format: 'plain' });
            return;
          }
          const runs = job.schedule.type === 'once' ? [job.schedule.at] : nextRuns(job.schedule, now, 3);
          await outbox.edit(refOf(job), messageId, {
            text: createdSummary(job, runs, [], now, locale),
            format: 'plain',
            keyboard: cardKeyboard([job], true, locale),
          });
          return;
        }
        const rows = await store.query(
          'SELECT * FROM jobs WHERE chat_id = ? AND card_message_id = ? ORDER BY created_at',
          [job.chatId, messageId],
        );
        const active = rows.map(jobFromRow).filter((j) => j.deletedAt === null && j.completedAt === null);
        await outbox.editKeyboard(
          refOf(job),
          messageId,
          active.length > 0 ? cardKeyboard(active, false, locale) : undefined,
        );
      } catch (err) {
        log.warn({ jobId: job.id, err: toError(err) }, 'could not update the job card');
      }
    },
  };
}
