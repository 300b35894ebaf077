import { systemClock } from '../../core/clock.ts';
import { jobData } from '../../core/keys/callback-data.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Job } from '../../scheduler/job.ts';
import { cancelLabel, cardKeyboard, createdSummary, schedulePlain, title } from '../../scheduler/messages.ts';
import { nextRuns } from '../../scheduler/schedule.ts';
import { UNDO_INLINE, UNDO_SOLO } from '../../scheduler/turn-answers.ts';
import type { UndoHandler, UndoOutcome, UndoPress } from '../undo.ts';
import { isGroupChat } from './groups.ts';
import { isGroupAdmin, jobsShown, localeOf, nameOf, viewerFor } from './jobs-access.ts';
import { mapKeyboard } from './jobs-data.ts';
import type { JobsFeatureDeps } from './jobs-deps.ts';
import { jobsTexts } from './jobs-texts.ts';
import { renderJobList, UNDO_IN_LIST } from './jobs-view.ts';

/**
 * The Undo handlers of jobs, by where the button sits: `jl` in /jobs (the list is drawn again), `js` on a message
 * that only said "Deleted" (it becomes the job's card again), `jk` inside other text (its button becomes the card's
 * "Cancel reminder" again). Whoever may delete a job may undo its deletion.
 */
export function createJobUndoHandlers(deps: JobsFeatureDeps): Record<string, UndoHandler> {
  const { scheduler, outbox } = deps;
  const clock = deps.clock ?? systemClock;
  const pageSize = deps.pageSize ?? 5;

  async function check(press: UndoPress, locale: Locale): Promise<Job | UndoOutcome> {
    const t = jobsTexts(locale);
    const job = await scheduler.findDeleted(press.token);
    if (!job || job.chatId !== press.chat.chatId) return { done: false, toast: t.tooLate };
    if (job.ownerUserId !== press.userId) {
      const admin = isGroupChat(press.chat.type) && (await isGroupAdmin(press.ctx, press.chat.chatId, press.userId));
      if (!admin) {
        const who = await nameOf(deps, job.ownerUserId, locale);
        return { done: false, toast: t.onlyOwnerOrAdmin({ who }), alert: true, keep: true };
      }
    }
    return job;
  }

  /** Checks who presses, then restores the job (re-linking its card when the button sat on one). */
  async function restore(
    press: UndoPress,
    card?: { solo: boolean },
  ): Promise<{ job: Job; locale: Locale } | UndoOutcome> {
    const locale = await localeOf(deps, press.userId);
    const checked = await check(press, locale);
    if (!('id' in checked)) return checked;
    const onCard =
      card && press.messageId !== undefined ? { card: { messageId: press.messageId, solo: card.solo } } : {};
    const r = await scheduler.restore(press.token, onCard);
    if (!r.ok) return { done: false, toast: jobsTexts(locale).tooLate };
    return { job: r.job, locale };
  }

  const restoredToast = (job: Job, locale: Locale) =>
    jobsTexts(locale).restoredToast({ title: title(job.text, 60), when: schedulePlain(job, clock.now(), locale) });

  return {
    [UNDO_IN_LIST]: {
      async undo(press) {
        const r = await restore(press);
        if (!('job' in r)) return r;
        const { job, locale } = r;
        if (press.messageId !== undefined) {
          const chat = { id: press.chat.chatId, type: press.chat.type };
          const jobs = await jobsShown(deps, chat, press.userId, clock.now());
          const page = Math.max(0, Math.floor(jobs.findIndex((j) => j.id === job.id) / pageSize));
          const viewer = await viewerFor(deps, chat, press.userId, jobs);
          await outbox.edit(press.chat, press.messageId, renderJobList(jobs, page, pageSize, clock.now(), viewer));
        }
        return { done: true, toast: restoredToast(r.job, locale) };
      },
    },
    [UNDO_SOLO]: {
      async undo(press) {
        const r = await restore(press, { solo: true });
        if (!('job' in r)) return r;
        const { locale } = r;
        if (press.messageId !== undefined) {
          const now = clock.now();
          const runs = r.job.schedule.type === 'once' ? [r.job.schedule.at] : nextRuns(r.job.schedule, now, 3);
          await outbox.edit(press.chat, press.messageId, {
            text: createdSummary(r.job, runs, [], now, locale),
            format: 'plain',
            keyboard: cardKeyboard([r.job], true, locale),
          });
        }
        return { done: true, toast: restoredToast(r.job, locale) };
      },
    },
    [UNDO_INLINE]: {
      async undo(press) {
        const r = await restore(press, { solo: false });
        if (!('job' in r)) return r;
        const { locale } = r;
        const markup = press.ctx.callbackQuery?.message?.reply_markup;
        if (press.messageId !== undefined) {
          const data = press.ctx.callbackQuery?.data;
          const keyboard = mapKeyboard(markup, (b) =>
            'data' in b && b.data === data
              ? {
                  text: cancelLabel(r.job, false, locale),
                  data: jobData.encode({ type: 'job', action: 'c', id: r.job.id, inDetails: false }),
                }
              : b,
          );
          await outbox.editKeyboard(press.chat, press.messageId, keyboard);
        }
        return { done: true, toast: restoredToast(r.job, locale) };
      },
    },
  };
}
