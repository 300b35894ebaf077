import { reminderData } from '../../core/keys/callback-data.ts';
import { formatLocal } from '../../core/zoned-time.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { answerFailure } from './jobs-buttons.ts';
import { jobsTexts } from './jobs-texts.ts';
import type { JobsUi } from './jobs-ui.ts';

/** Handles a fired reminder's Snooze and Done buttons (`rem:`). */
export function createReminderButtonHandler(ui: JobsUi): (ctx: BotContext) => Promise<void> {
  const { scheduler, outbox } = ui.deps;
  return async (ctx) => {
    const data = reminderData.decode(ctx.callbackQuery?.data);
    const locale = await ui.localeFor(ctx);
    const t = jobsTexts(locale);
    if (!data) {
      await ctx.answerCallbackQuery({ text: t.remOutdated });
      return;
    }
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    try {
      const job = await scheduler.get(data.id);
      if (!job || job.deletedAt !== null) {
        await ctx.answerCallbackQuery({ text: t.remDeleted });
        if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
        return;
      }
      if (!(await ui.mayChange(ctx, job))) return;
      if (data.action === 'done') {
        await ctx.answerCallbackQuery({ text: t.doneToast });
        if (to && messageId !== undefined) {
          await outbox.edit(to, messageId, { text: `✅ ${job.text}`, format: 'plain' });
        }
        return;
      }
      const snoozed = await scheduler.snooze(job.id, data.scheduledFor, data.choice);
      const until = formatLocal(snoozed.at, snoozed.job.timezone, ui.now(), locale);
      await ctx.answerCallbackQuery({
        text: snoozed.already ? t.alreadySnoozed({ until }) : t.snoozedToast({ until }),
      });
      if (to && messageId !== undefined) {
        await outbox.edit(to, messageId, { text: `⏰ ${job.text}\n${t.snoozedLine({ until })}`, format: 'plain' });
      }
    } catch (err) {
      await answerFailure(ctx, err, 'reminder button failed', locale);
    }
  };
}
