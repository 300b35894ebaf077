import { AppError, toError } from '../../core/errors.ts';
import type { Job } from '../../scheduler/job.ts';
import { schedulePlain, title, whenPlain } from '../../scheduler/messages.ts';
import { TIME_EXAMPLES } from '../../scheduler/time-input.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { isGroupChat } from './groups.ts';
import { cancelFromCard } from './jobs-card-cancel.ts';
import { type JobButton, jobData } from './jobs-data.ts';
import type { JobsUi } from './jobs-ui.ts';

/** Answers a failed button press with the error's advice, or a generic "try again". */
export async function answerFailure(ctx: BotContext, err: unknown, what: string): Promise<void> {
  const e = toError(err);
  ctx.log.warn({ err: e, data: ctx.callbackQuery?.data }, what);
  const text =
    e instanceof AppError && e.code === 'invalid_input' ? e.message : 'Something went wrong. Please try again.';
  await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true }).catch(() => undefined);
}

/** Handles a `job:` button press (the /jobs list, details, cards, and the "Change time" prompt). */
export function createJobButtonHandler(ui: JobsUi): (ctx: BotContext) => Promise<void> {
  return async (ctx) => {
    const parsed = jobData.safeParse(ctx.callbackQuery?.data);
    if (!parsed.success) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date. Send /jobs for a fresh list.' });
      return;
    }
    const data = parsed.data;
    try {
      if (data.type === 'page') {
        await ctx.answerCallbackQuery();
        await ui.rerender(ctx, undefined, data.page);
        return;
      }
      if (await handleMessageButton(ui, ctx, data)) return;
      const inList = !data.inDetails && data.action !== 't';
      const job = await ui.current(ctx, data.id, inList);
      if (!job) return;
      if (data.action === 'v') {
        await ctx.answerCallbackQuery();
        await ui.showDetails(ctx, job);
        return;
      }
      if (!(await ui.mayChange(ctx, job))) return;
      await handleJobAction(ui, ctx, data, job);
    } catch (err) {
      await answerFailure(ctx, err, 'job button failed');
    }
  };
}

/** Buttons that act on the message rather than on a live job: card cancel, legacy Keep, Keep the current time. */
async function handleMessageButton(ui: JobsUi, ctx: BotContext, data: JobButton): Promise<boolean> {
  const to = chatRefOf(ctx);
  const messageId = ctx.callbackQuery?.message?.message_id;
  if (data.action === 'c' || data.action === 'x') {
    await cancelFromCard(ui, ctx, data.id, data.action === 'x');
    return true;
  }
  if (data.action === 'k') {
    // The "Keep" button of cards from earlier versions: nothing to do but remove the buttons.
    await ctx.answerCallbackQuery({ text: 'Kept ✅' });
    if (to && messageId !== undefined) await ui.deps.outbox.editKeyboard(to, messageId, undefined);
    return true;
  }
  if (data.action === 'q') {
    const stopped = await ui.deps.scheduler.stopAwaitingNewTime(data.id);
    await ctx.answerCallbackQuery({
      text: stopped ? 'Kept the current time.' : 'Nothing is waiting for a new time.',
    });
    if (to && messageId !== undefined) await ui.deps.outbox.editKeyboard(to, messageId, undefined);
    return true;
  }
  return false;
}

/** Pause, Resume, Run now, Delete and Change time, once the person may change the job. */
async function handleJobAction(ui: JobsUi, ctx: BotContext, data: JobButton, job: Job): Promise<void> {
  const { scheduler } = ui.deps;
  const after = async (text: string, fresh?: Job) => {
    await ctx.answerCallbackQuery({ text });
    if (data.inDetails && fresh) await ui.showDetails(ctx, fresh);
    else if (data.inDetails) await ui.rerender(ctx);
    else await ui.rerender(ctx, job.id);
  };
  switch (data.action) {
    case 'p': {
      const paused = await scheduler.pause(job.id);
      await after('Paused. Tap ▶️ Resume to start it again.', paused);
      return;
    }
    case 'r': {
      const resumed = await scheduler.resume(job.id);
      const next = resumed.nextRunAt !== null ? whenPlain(resumed.nextRunAt, resumed.timezone, ui.now()) : 'none';
      await after(`Resumed. Next: ${next}.`, resumed);
      return;
    }
    case 'n':
      await scheduler.runNow(job.id);
      await ctx.answerCallbackQuery({ text: 'Running it now…' });
      return;
    case 'd':
    case 'y': {
      const removed = await scheduler.remove(job.id);
      await ctx.answerCallbackQuery({
        text: removed ? `Deleted “${title(job.text, 60)}”. Tap ↩️ Undo to bring it back.` : 'It was already deleted.',
      });
      await ui.rerender(ctx, job.id);
      return;
    }
    case 't':
      await askNewTime(ui, ctx, job);
      return;
  }
}

/** "Change time": the person's next message in the chat is read as the new time. */
async function askNewTime(ui: JobsUi, ctx: BotContext, job: Job): Promise<void> {
  await ui.deps.scheduler.awaitNewTime(job.id, ctx.from!.id);
  await ctx.answerCallbackQuery();
  const to = chatRefOf(ctx);
  if (!to) return;
  const how = isGroupChat(ctx.chat?.type) ? 'Reply to this message with the new time' : 'Type the new time';
  await ui.deps.outbox.send(to, {
    text: `🕑 When should “${title(job.text, 80)}” run? Now: ${schedulePlain(job, ui.now())}.\n${how}, for example: ${TIME_EXAMPLES}`,
    format: 'plain',
    keyboard: [[{ text: '↩️ Keep the current time', data: `job:q:${job.id}` }]],
  });
}
