import { AppError, toError } from '../../core/errors.ts';
import { jobData } from '../../core/keys/callback-data.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Job } from '../../scheduler/job.ts';
import { schedulePlain, title, whenPlain } from '../../scheduler/messages.ts';
import { ScheduleError } from '../../scheduler/schedule.ts';
import { scheduleErrorText } from '../../scheduler/schedule-error-texts.ts';
import { timeExamples } from '../../scheduler/time-input.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { isGroupChat } from './groups.ts';
import { cancelFromCard } from './jobs-card-cancel.ts';
import type { JobButton } from './jobs-data.ts';
import { jobsTexts } from './jobs-texts.ts';
import type { JobsUi } from './jobs-ui.ts';

/** Answers a failed button press with the error's advice, or a generic "try again". */
export async function answerFailure(ctx: BotContext, err: unknown, what: string, locale: Locale): Promise<void> {
  const e = toError(err);
  ctx.log.warn({ err: e, data: ctx.callbackQuery?.data }, what);
  const text =
    e instanceof AppError && e.code === 'invalid_input'
      ? ((e instanceof ScheduleError ? scheduleErrorText(e.userText, locale) : undefined) ?? e.message)
      : jobsTexts(locale).failed;
  await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true }).catch(() => undefined);
}

/** Handles a `job:` button press (the /jobs list, details, cards, and the "Change time" prompt). */
export function createJobButtonHandler(ui: JobsUi): (ctx: BotContext) => Promise<void> {
  return async (ctx) => {
    const data = jobData.decode(ctx.callbackQuery?.data);
    const locale = await ui.localeFor(ctx);
    if (!data) {
      await ctx.answerCallbackQuery({ text: jobsTexts(locale).outdated });
      return;
    }
    try {
      if (data.type === 'page') {
        await ctx.answerCallbackQuery();
        await ui.rerender(ctx, undefined, data.page);
        return;
      }
      if (await handleMessageButton(ui, ctx, data, locale)) return;
      const inList = !data.inDetails && data.action !== 't';
      const job = await ui.current(ctx, data.id, inList);
      if (!job) return;
      if (data.action === 'v') {
        await ctx.answerCallbackQuery();
        await ui.showDetails(ctx, job);
        return;
      }
      if (!(await ui.mayChange(ctx, job))) return;
      await handleJobAction(ui, ctx, data, job, locale);
    } catch (err) {
      await answerFailure(ctx, err, 'job button failed', locale);
    }
  };
}

/** Buttons that act on the message rather than on a live job: card cancel, legacy Keep, Keep the current time. */
async function handleMessageButton(ui: JobsUi, ctx: BotContext, data: JobButton, locale: Locale): Promise<boolean> {
  const t = jobsTexts(locale);
  const to = chatRefOf(ctx);
  const messageId = ctx.callbackQuery?.message?.message_id;
  if (data.action === 'c' || data.action === 'x') {
    await cancelFromCard(ui, ctx, data.id, data.action === 'x');
    return true;
  }
  if (data.action === 'k') {
    // The "Keep" button of cards from earlier versions: nothing to do but remove the buttons.
    await ctx.answerCallbackQuery({ text: t.kept });
    if (to && messageId !== undefined) await ui.deps.outbox.editKeyboard(to, messageId, undefined);
    return true;
  }
  if (data.action === 'q') {
    const stopped = await ui.deps.scheduler.stopAwaitingNewTime(data.id);
    await ctx.answerCallbackQuery({
      text: stopped ? t.keptTime : t.nothingWaiting,
    });
    if (to && messageId !== undefined) await ui.deps.outbox.editKeyboard(to, messageId, undefined);
    return true;
  }
  return false;
}

/** Pause, Resume, Run now, Delete and Change time, once the person may change the job. */
async function handleJobAction(ui: JobsUi, ctx: BotContext, data: JobButton, job: Job, locale: Locale): Promise<void> {
  const { scheduler } = ui.deps;
  const t = jobsTexts(locale);
  const after = async (text: string, fresh?: Job) => {
    await ctx.answerCallbackQuery({ text });
    if (data.inDetails && fresh) await ui.showDetails(ctx, fresh);
    else if (data.inDetails) await ui.rerender(ctx);
    else await ui.rerender(ctx, job.id);
  };
  switch (data.action) {
    case 'p': {
      const paused = await scheduler.pause(job.id);
      await after(t.pausedToast, paused);
      return;
    }
    case 'r': {
      const resumed = await scheduler.resume(job.id);
      const next =
        resumed.nextRunAt !== null ? { next: whenPlain(resumed.nextRunAt, resumed.timezone, ui.now(), locale) } : {};
      await after(t.resumedToast(next), resumed);
      return;
    }
    case 'n':
      await scheduler.runNow(job.id);
      await ctx.answerCallbackQuery({ text: t.runningNow });
      return;
    case 'd':
    case 'y': {
      const removed = await scheduler.remove(job.id);
      await ctx.answerCallbackQuery({
        text: removed ? t.deletedToast({ title: title(job.text, 60) }) : t.alreadyDeleted,
      });
      await ui.rerender(ctx, job.id);
      return;
    }
    case 't':
      await askNewTime(ui, ctx, job, locale);
      return;
  }
}

/** "Change time": the person's next message in the chat is read as the new time. */
async function askNewTime(ui: JobsUi, ctx: BotContext, job: Job, locale: Locale): Promise<void> {
  const t = jobsTexts(locale);
  await ui.deps.scheduler.awaitNewTime(job.id, ctx.from!.id);
  await ctx.answerCallbackQuery();
  const to = chatRefOf(ctx);
  if (!to) return;
  const how = isGroupChat(ctx.chat?.type) ? t.replyWithTime : t.typeTime;
  const now = schedulePlain(job, ui.now(), locale);
  await ui.deps.outbox.send(to, {
    text: t.askTime({ title: title(job.text, 80), now, how, examples: timeExamples(locale) }),
    format: 'plain',
    keyboard: [
      [{ text: t.keepTime, data: jobData.encode({ type: 'job', action: 'q', id: job.id, inDetails: false }) }],
    ],
  });
}
