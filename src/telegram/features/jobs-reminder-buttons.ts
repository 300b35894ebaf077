import { formatLocal } from '../../core/zoned-time.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { answerFailure } from './jobs-buttons.ts';
import { remData } from './jobs-data.ts';
import type { JobsUi } from './jobs-ui.ts';

/** Handles a fired reminder's Snooze and Done buttons (`rem:`). */
export function createReminderButtonHandler(ui: JobsUi): (ctx: BotContext) => Promise<void> {
  const { scheduler, outbox } = ui.deps;
  return async (ctx) => {
    const parsed = remData.safeParse(ctx.callbackQuery?.data);
    if (!parsed.success) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date.' });
      return;
    }
    const data = parsed.data;
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    try {
      const job = await scheduler.get(data.id);
      if (!job || job.deletedAt !== null) {
        await ctx.answerCallbackQuery({ text: 'This reminder was deleted, so it can no longer be snoozed.' });
        if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
        return;
      }
      if (!(await ui.mayChange(ctx, job))) return;
      if (data.action === 'done') {
        await ctx.answerCallbackQuery({ text: 'Done ✅' });
        if (to && messageId !== undefined) {
          await outbox.edit(to, messageId, { text: `✅ ${job.text}`, format: 'plain' });
        }
        return;
      }
      const snoozed = await scheduler.snooze(job.id, data.scheduledFor, data.choice);
      const until = formatLocal(snoozed.at, snoozed.job.timezone, ui.now());
      await ctx.answerCallbackQuery({
        text: snoozed.already ? `Already snoozed until ${until}.` : `Snoozed until ${until}.`,
      });
      if (to && messageId !== undefined) {
        await outbox.edit(to, messageId, { text: `⏰ ${job.text}\n💤 Snoozed until ${until}`, format: 'plain' });
      }
    } catch (err) {
      await answerFailure(ctx, err, 'reminder button failed');
    }
  };
}
