import { atPlain, deletedText, parseCardData, title } from '../../scheduler/messages.ts';
import { schedulerTexts } from '../../scheduler/scheduler-texts.ts';
import { UNDO_INLINE, UNDO_SOLO } from '../../scheduler/turn-answers.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { undoButton } from '../undo.ts';
import { mapKeyboard } from './jobs-data.ts';
import { jobsTexts } from './jobs-texts.ts';
import type { JobsUi } from './jobs-ui.ts';

/** A confirmation card's "Cancel reminder": deletes the job with Undo; `solo` when the message is only the card. */
export async function cancelFromCard(ui: JobsUi, ctx: BotContext, id: string, solo: boolean): Promise<void> {
  const { scheduler, outbox } = ui.deps;
  const to = chatRefOf(ctx);
  const message = ctx.callbackQuery?.message;
  const job = await scheduler.get(id);
  const locale = await ui.localeFor(ctx);
  const t = jobsTexts(locale);
  const dropButton = async () => {
    if (to && message)
      await outbox.editKeyboard(
        to,
        message.message_id,
        mapKeyboard(message.reply_markup, (b) => ('data' in b && parseCardData(b.data)?.jobId === id ? null : b)),
      );
  };
  if (!job || job.deletedAt !== null) {
    await ctx.answerCallbackQuery({
      text: job ? t.alreadyDeleted : t.nothingToCancel,
    });
    await dropButton();
    return;
  }
  if (job.completedAt !== null) {
    const at = job.lastRunAt !== null ? { at: atPlain(job.lastRunAt, job.timezone, ui.now(), locale) } : {};
    await ctx.answerCallbackQuery({ text: t.alreadySent({ reminder: job.kind === 'reminder', ...at }) });
    await dropButton();
    return;
  }
  if (!(await ui.mayChange(ctx, job))) return;
  const removed = await scheduler.remove(job.id, message ? { except: message.message_id } : {});
  if (!removed) {
    await ctx.answerCallbackQuery({ text: t.alreadyDeleted });
    return;
  }
  await ctx.answerCallbackQuery({ text: t.cancelled({ title: title(job.text, 60) }) });
  if (!to || !message) return;
  if (solo) {
    await outbox.edit(to, message.message_id, {
      text: deletedText(job, ui.now(), locale),
      format: 'plain',
      keyboard: [[undoButton(UNDO_SOLO, removed.token, schedulerTexts(locale).undo)]],
    });
    return;
  }
  // The card sits inside other text: only its button changes.
  const keyboard = mapKeyboard(message.reply_markup, (b) =>
    'data' in b && parseCardData(b.data)?.jobId === id
      ? undoButton(UNDO_INLINE, removed.token, schedulerTexts(locale).undo)
      : b,
  );
  await outbox.editKeyboard(to, message.message_id, keyboard);
}
