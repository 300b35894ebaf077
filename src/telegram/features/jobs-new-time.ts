import type { Filter, NextFunction } from 'grammy';
import { AppError, toError } from '../../core/errors.ts';
import { schedulePlain, title } from '../../scheduler/messages.ts';
import { ScheduleError } from '../../scheduler/schedule.ts';
import { scheduleErrorText } from '../../scheduler/schedule-error-texts.ts';
import { parseTimeInput, timeExamples, whenForJob } from '../../scheduler/time-input.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { isGroupChat, withoutMention } from './groups.ts';
import { jobsTexts } from './jobs-texts.ts';
import type { JobsUi } from './jobs-ui.ts';

/** The new time after "Change time": the person's next message in the chat (in a group, a reply to the prompt). */
export function createNewTimeHandler(ui: JobsUi) {
  const { scheduler, outbox } = ui.deps;
  return async (ctx: Filter<BotContext, 'message:text'>, next: NextFunction): Promise<void> => {
    if (ctx.message.text.startsWith('/')) return next();
    const job = await scheduler.awaitingNewTime(ctx.chat.id, ctx.from.id);
    if (!job) return next();
    const to = chatRefOf(ctx);
    if (!to) return next();
    let text = ctx.message.text.trim();
    if (isGroupChat(ctx.chat.type)) text = withoutMention(text, ctx.me.username);
    const when = parseTimeInput(text);
    const locale = await ui.localeFor(ctx);
    const t = jobsTexts(locale);
    const reply = (body: string) => outbox.send(to, { text: body, format: 'plain', replyTo: ctx.message.message_id });
    if (!when) {
      if (text.split(/\s+/).length > 6) {
        // A sentence, not a time: the question is dropped and the message goes on to the assistant.
        await scheduler.stopAwaitingNewTime(job.id);
        return next();
      }
      await reply(t.unreadableTime({ text: text.slice(0, 60), examples: timeExamples(locale) }));
      return;
    }
    try {
      const updated = await scheduler.update(job.id, { when: whenForJob(job, when) });
      await scheduler.stopAwaitingNewTime(job.id);
      await reply(
        t.nowRuns({ title: title(updated.job.text, 80), when: schedulePlain(updated.job, ui.now(), locale) }),
      );
    } catch (err) {
      const e = toError(err);
      if (!(e instanceof AppError && e.code === 'invalid_input')) throw err;
      const error = (e instanceof ScheduleError ? scheduleErrorText(e.userText, locale) : undefined) ?? e.message;
      await reply(t.typeAnother({ error, examples: timeExamples(locale) }));
    }
  };
}
