import { Composer } from 'grammy';
import { type Clock, systemClock } from '../../core/clock.ts';
import { AppError, toError } from '../../core/errors.ts';
import type { Button, Keyboard, Outbox } from '../../core/outbox.ts';
import { TOO_LATE_TO_UNDO, UNDO_WINDOW_MS } from '../../core/undo.ts';
import type { Job } from '../../scheduler/job.ts';
import {
  atPlain,
  cancelLabel,
  cardKeyboard,
  createdSummary,
  deletedText,
  parseCardData,
  schedulePlain,
  title,
  whenPlain,
} from '../../scheduler/messages.ts';
import { nextRuns } from '../../scheduler/schedule.ts';
import type { Scheduler } from '../../scheduler/scheduler.ts';
import { TIME_EXAMPLES, parseTimeInput, whenForJob } from '../../scheduler/time-input.ts';
import { UNDO_INLINE, UNDO_SOLO } from '../../scheduler/turn-answers.ts';
import { formatLocal } from '../../scheduler/zoned.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { type UndoHandler, type UndoOutcome, type UndoPress, undoButton } from '../undo.ts';
import { isGroupChat, withoutMention } from './groups.ts';
import { UNDO_IN_LIST, type Viewer, renderJobDetails, renderJobList } from './jobs-view.ts';
import { jobData, reminderData } from '../../core/keys/callback-data.ts';

export { renderJobList } from './jobs-view.ts';

export const jobsCommands = [{ command: 'jobs', description: 'Your reminders and scheduled tasks' }];

export interface JobsFeatureDeps {
  scheduler: Scheduler;
  outbox: Outbox;
  clock?: Clock;
  /** Jobs per /jobs page. Default 5. */
  pageSize?: number;
  /** A person's first name (group lists say who set each job, and who may change it). */
  nameOf?: (userId: number) => Promise<string | undefined>;
  /** The zone a person reads times in (a job in another zone shows its zone). */
  timezoneOf?: (userId: number) => Promise<string>;
  /** A group's own time zone. */
  chatTimezoneOf?: (chatId: number) => Promise<string | undefined>;
}

type MarkupRows = { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] } | undefined;

/** A message's current keyboard with each button passed through `map` (null drops it). */
function mapKeyboard(markup: unknown, map: (b: Button) => Button | null): Keyboard | undefined {
  const out: Keyboard = [];
  for (const row of (markup as MarkupRows)?.inline_keyboard ?? []) {
    const kept: Button[] = [];
    for (const b of row) {
      const button: Button =
        b.callback_data !== undefined ? { text: b.text, data: b.callback_data } : { text: b.text, url: b.url ?? '' };
      const mapped = map(button);
      if (mapped) kept.push(mapped);
    }
    if (kept.length > 0) out.push(kept);
  }
  return out.length > 0 ? out : undefined;
}

/** The jobs /jobs shows in a chat: in a group everyone's, in a private chat the person's own; plus ones just deleted. */
function jobsShown(
  deps: JobsFeatureDeps,
  chat: { id: number; type: string },
  userId: number,
  now: number,
): Promise<Job[]> {
  const deletedSince = now - UNDO_WINDOW_MS;
  return isGroupChat(chat.type)
    ? deps.scheduler.list({ chatId: chat.id, deletedSince })
    : deps.scheduler.list({ ownerUserId: userId, chatId: chat.id, deletedSince });
}

/** Who is looking: the zone they read times in, and in a group the names of the people who set the jobs. */
async function viewerFor(
  deps: JobsFeatureDeps,
  chat: { id: number; type: string },
  userId: number,
  jobs: Job[],
): Promise<Viewer> {
  const group = isGroupChat(chat.type);
  const zone = group ? await deps.chatTimezoneOf?.(chat.id) : await deps.timezoneOf?.(userId).catch(() => undefined);
  const names = new Map<number, string>();
  if (group) for (const id of new Set(jobs.map((j) => j.ownerUserId))) names.set(id, await nameOf(deps, id));
  return { group, ...(zone ? { zone } : {}), names };
}

/** Whether the person is an admin of the group (asked from Telegram each time; a failure counts as no). */
async function isGroupAdmin(ctx: BotContext, chatId: number, userId: number): Promise<boolean> {
  try {
    const member = await ctx.api.getChatMember(chatId, userId);
    return member.status === 'creator' || member.status === 'administrator';
  } catch (err) {
    ctx.log.warn({ err: toError(err) }, 'could not check group admin status');
    return false;
  }
}

async function nameOf(deps: JobsFeatureDeps, userId: number): Promise<string> {
  return (await deps.nameOf?.(userId).catch(() => undefined)) ?? 'the person who set it';
}

/**
 * Reminders and scheduled tasks in the chat:
 * - `/jobs`: one job per line in plain words, each with its own buttons (Pause/Resume, Change time, Delete; its
 *   title opens the details with Run now). In a group every member sees the group's jobs.
 * - Delete is at once, with ↩️ Undo for 5 minutes (`u:jl|js|jk:<token>`, see src/telegram/undo.ts).
 * - Change time asks for the new time; the person's next message in the chat is read as a time.
 * - A confirmation card's "Cancel reminder" (`job:x|c:<id>`), and the reminder buttons Snooze and Done (`rem:…`).
 * Only a job's creator, or in a group an admin, may change it; anyone else is told who can.
 */
export function createJobsFeature(deps: JobsFeatureDeps): Composer<BotContext> {
  const { scheduler, outbox } = deps;
  const pageSize = deps.pageSize ?? 5;
  const composer = new Composer<BotContext>();
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();

  const viewerOf = (ctx: BotContext, jobs: Job[]) => viewerFor(deps, ctx.chat!, ctx.from!.id, jobs);
  const listFor = (ctx: BotContext) => jobsShown(deps, ctx.chat!, ctx.from!.id, now());

  async function rerender(ctx: BotContext, focusId?: string, page?: number): Promise<void> {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (!to || messageId === undefined) return;
    const jobs = await listFor(ctx);
    const index = focusId ? jobs.findIndex((j) => j.id === focusId) : -1;
    const p = page ?? (index >= 0 ? Math.floor(index / pageSize) : 0);
    const delivery = await outbox.edit(
      to,
      messageId,
      renderJobList(jobs, p, pageSize, now(), await viewerOf(ctx, jobs)),
    );
    if (!delivery.ok) ctx.log.warn({ reason: delivery.reason }, 'could not update the /jobs message');
  }

  async function showDetails(ctx: BotContext, job: Job): Promise<void> {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (!to || messageId === undefined) return;
    const delivery = await outbox.edit(to, messageId, renderJobDetails(job, now(), await viewerOf(ctx, [job])));
    if (!delivery.ok) ctx.log.warn({ reason: delivery.reason }, 'could not show the job details');
  }

  /** Its creator may change a job; in a group, an admin too. Otherwise the press is answered with who can. */
  async function mayChange(ctx: BotContext, job: Job): Promise<boolean> {
    const userId = ctx.from!.id;
    if (job.ownerUserId === userId) return true;
    if (isGroupChat(ctx.chat?.type) && job.chatId === ctx.chat?.id && (await isGroupAdmin(ctx, job.chatId, userId)))
      return true;
    const who = await nameOf(deps, job.ownerUserId);
    const text = isGroupChat(ctx.chat?.type)
      ? `Only ${who} or a group admin can change this.`
      : `Only ${who} can change this.`;
    await ctx.answerCallbackQuery({ text, show_alert: true });
    return false;
  }

  /** The job a button names, or an answer saying what happened to it. */
  async function current(ctx: BotContext, id: string, inList: boolean): Promise<Job | undefined> {
    const job = await scheduler.get(id);
    if (!job || job.chatId !== ctx.chat?.id) {
      await ctx.answerCallbackQuery({
        text: 'That one no longer exists. Send /jobs for the current list.',
        show_alert: true,
      });
      if (inList) await rerender(ctx);
      return undefined;
    }
    if (job.deletedAt !== null) {
      await ctx.answerCallbackQuery({ text: `“${title(job.text, 60)}” was deleted. Tap Undo to bring it back.` });
      if (inList) await rerender(ctx, job.id);
      return undefined;
    }
    if (job.completedAt !== null) {
      const at = job.lastRunAt !== null ? ` at ${atPlain(job.lastRunAt, job.timezone, now())}` : '';
      await ctx.answerCallbackQuery({
        text: `“${title(job.text, 60)}” already ran${at}, so there is nothing left to change.`,
      });
      if (inList) await rerender(ctx);
      return undefined;
    }
    return job;
  }

  composer.command('jobs', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const jobs = await listFor(ctx);
    const delivery = await outbox.send(to, renderJobList(jobs, 0, pageSize, now(), await viewerOf(ctx, jobs)));
    ctx.log.info({ count: jobs.length, delivered: delivery.ok }, '/jobs');
  });

  async function cancelFromCard(ctx: BotContext, id: string, solo: boolean): Promise<void> {
    const to = chatRefOf(ctx);
    const message = ctx.callbackQuery?.message;
    const job = await scheduler.get(id);
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
        text: job ? 'It was already deleted.' : 'It no longer exists, so there is nothing to cancel.',
      });
      await dropButton();
      return;
    }
    if (job.completedAt !== null) {
      const at = job.lastRunAt !== null ? ` at ${atPlain(job.lastRunAt, job.timezone, now())}` : '';
      await ctx.answerCallbackQuery({
        text: `Already ${job.kind === 'reminder' ? 'sent' : 'done'}${at} — nothing to cancel.`,
      });
      await dropButton();
      return;
    }
    if (!(await mayChange(ctx, job))) return;
    const removed = await scheduler.remove(job.id, message ? { except: message.message_id } : {});
    if (!removed) {
      await ctx.answerCallbackQuery({ text: 'It was already deleted.' });
      return;
    }
    await ctx.answerCallbackQuery({ text: `Cancelled “${title(job.text, 60)}”. Tap Undo to bring it back.` });
    if (!to || !message) return;
    if (solo) {
      await outbox.edit(to, message.message_id, {
        text: deletedText(job, now()),
        format: 'plain',
        keyboard: [[undoButton(UNDO_SOLO, removed.token)]],
      });
    } else {
      // The card sits inside other text: only its button changes.
      const keyboard = mapKeyboard(message.reply_markup, (b) =>
        'data' in b && parseCardData(b.data)?.jobId === id ? undoButton(UNDO_INLINE, removed.token) : b,
      );
      await outbox.editKeyboard(to, message.message_id, keyboard);
    }
  }

  composer.callbackQuery(jobData.route, async (ctx) => {
    const data = jobData.decode(ctx.callbackQuery.data);
    if (!data) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date. Send /jobs for a fresh list.' });
      return;
    }
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    try {
      if (data.type === 'page') {
        await ctx.answerCallbackQuery();
        await rerender(ctx, undefined, data.page);
        return;
      }
      if (data.action === 'c' || data.action === 'x') return await cancelFromCard(ctx, data.id, data.action === 'x');
      if (data.action === 'k') {
        // The "Keep" button of cards from earlier versions: nothing to do but remove the buttons.
        await ctx.answerCallbackQuery({ text: 'Kept ✅' });
        if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
        return;
      }
      if (data.action === 'q') {
        const stopped = await scheduler.stopAwaitingNewTime(data.id);
        await ctx.answerCallbackQuery({
          text: stopped ? 'Kept the current time.' : 'Nothing is waiting for a new time.',
        });
        if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
        return;
      }
      const inList = !data.inDetails && data.action !== 't';
      const job = await current(ctx, data.id, inList);
      if (!job) return;
      const after = async (text: string, fresh?: Job) => {
        await ctx.answerCallbackQuery({ text });
        if (data.inDetails && fresh) await showDetails(ctx, fresh);
        else if (data.inDetails) await rerender(ctx);
        else await rerender(ctx, job.id);
      };
      switch (data.action) {
        case 'v':
          await ctx.answerCallbackQuery();
          await showDetails(ctx, job);
          return;
        case 'p': {
          if (!(await mayChange(ctx, job))) return;
          const paused = await scheduler.pause(job.id);
          await after('Paused. Tap ▶️ Resume to start it again.', paused);
          return;
        }
        case 'r': {
          if (!(await mayChange(ctx, job))) return;
          const resumed = await scheduler.resume(job.id);
          const next = resumed.nextRunAt !== null ? whenPlain(resumed.nextRunAt, resumed.timezone, now()) : 'none';
          await after(`Resumed. Next: ${next}.`, resumed);
          return;
        }
        case 'n': {
          if (!(await mayChange(ctx, job))) return;
          await scheduler.runNow(job.id);
          await ctx.answerCallbackQuery({ text: 'Running it now…' });
          return;
        }
        case 'd':
        case 'y': {
          if (!(await mayChange(ctx, job))) return;
          const removed = await scheduler.remove(job.id);
          await ctx.answerCallbackQuery({
            text: removed
              ? `Deleted “${title(job.text, 60)}”. Tap ↩️ Undo to bring it back.`
              : 'It was already deleted.',
          });
          await rerender(ctx, job.id);
          return;
        }
        case 't': {
          if (!(await mayChange(ctx, job))) return;
          await scheduler.awaitNewTime(job.id, ctx.from.id);
          await ctx.answerCallbackQuery();
          if (!to) return;
          const how = isGroupChat(ctx.chat?.type) ? 'Reply to this message with the new time' : 'Type the new time';
          await outbox.send(to, {
            text: `🕑 When should “${title(job.text, 80)}” run? Now: ${schedulePlain(job, now())}.\n${how}, for example: ${TIME_EXAMPLES}`,
            format: 'plain',
            keyboard: [
              [
                {
                  text: '↩️ Keep the current time',
                  data: jobData.encode({ type: 'job', action: 'q', id: job.id, inDetails: false }),
                },
              ],
            ],
          });
          return;
        }
      }
    } catch (err) {
      const e = toError(err);
      ctx.log.warn({ err: e, data: ctx.callbackQuery.data }, 'job button failed');
      const text =
        e instanceof AppError && e.code === 'invalid_input' ? e.message : 'Something went wrong. Please try again.';
      await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true }).catch(() => undefined);
    }
  });

  // The new time after "Change time": the person's next message in the chat (in a group, a reply to the prompt).
  composer.on('message:text', async (ctx, next) => {
    if (ctx.message.text.startsWith('/')) return next();
    const job = await scheduler.awaitingNewTime(ctx.chat.id, ctx.from.id);
    if (!job) return next();
    const to = chatRefOf(ctx);
    if (!to) return next();
    let text = ctx.message.text.trim();
    if (isGroupChat(ctx.chat.type)) text = withoutMention(text, ctx.me.username);
    const when = parseTimeInput(text);
    const reply = (body: string) => outbox.send(to, { text: body, format: 'plain', replyTo: ctx.message.message_id });
    if (!when) {
      if (text.split(/\s+/).length > 6) {
        // A sentence, not a time: the question is dropped and the message goes on to the assistant.
        await scheduler.stopAwaitingNewTime(job.id);
        return next();
      }
      await reply(`I couldn't read “${text.slice(0, 60)}” as a time. Try one of: ${TIME_EXAMPLES}`);
      return;
    }
    try {
      const updated = await scheduler.update(job.id, { when: whenForJob(job, when) });
      await scheduler.stopAwaitingNewTime(job.id);
      await reply(`✅ “${title(updated.job.text, 80)}” now runs ${schedulePlain(updated.job, now())}.`);
    } catch (err) {
      const e = toError(err);
      if (!(e instanceof AppError && e.code === 'invalid_input')) throw err;
      await reply(`${e.message}\nType another time, for example: ${TIME_EXAMPLES}`);
    }
  });

  composer.callbackQuery(reminderData.route, async (ctx) => {
    const data = reminderData.decode(ctx.callbackQuery.data);
    if (!data) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date.' });
      return;
    }
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    try {
      const job = await scheduler.get(data.id);
      if (!job || job.deletedAt !== null) {
        await ctx.answerCallbackQuery({ text: 'This reminder was deleted, so it can no longer be snoozed.' });
        if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
        return;
      }
      if (!(await mayChange(ctx, job))) return;
      if (data.action === 'done') {
        await ctx.answerCallbackQuery({ text: 'Done ✅' });
        if (to && messageId !== undefined) {
          await outbox.edit(to, messageId, { text: `✅ ${job.text}`, format: 'plain' });
        }
        return;
      }
      const snoozed = await scheduler.snooze(job.id, data.scheduledFor, data.choice);
      const until = formatLocal(snoozed.at, snoozed.job.timezone, now());
      await ctx.answerCallbackQuery({
        text: snoozed.already ? `Already snoozed until ${until}.` : `Snoozed until ${until}.`,
      });
      if (to && messageId !== undefined) {
        await outbox.edit(to, messageId, { text: `⏰ ${job.text}\n💤 Snoozed until ${until}`, format: 'plain' });
      }
    } catch (err) {
      const e = toError(err);
      ctx.log.warn({ err: e, data: ctx.callbackQuery.data }, 'reminder button failed');
      const text =
        e instanceof AppError && e.code === 'invalid_input' ? e.message : 'Something went wrong. Please try again.';
      await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}

/**
 * The Undo handlers of jobs, by where the button sits: `jl` in /jobs (the list is drawn again), `js` on a message
 * that only said "Deleted" (it becomes the job's card again), `jk` inside other text (its button becomes the card's
 * "Cancel reminder" again). Whoever may delete a job may undo its deletion.
 */
export function createJobUndoHandlers(deps: JobsFeatureDeps): Record<string, UndoHandler> {
  const { scheduler, outbox } = deps;
  const clock = deps.clock ?? systemClock;
  const pageSize = deps.pageSize ?? 5;

  async function check(press: UndoPress): Promise<Job | UndoOutcome> {
    const job = await scheduler.findDeleted(press.token);
    if (!job || job.chatId !== press.chat.chatId) return { done: false, toast: TOO_LATE_TO_UNDO };
    if (job.ownerUserId !== press.userId) {
      const admin = isGroupChat(press.chat.type) && (await isGroupAdmin(press.ctx, press.chat.chatId, press.userId));
      if (!admin) {
        const who = await nameOf(deps, job.ownerUserId);
        return { done: false, toast: `Only ${who} or a group admin can change this.`, alert: true, keep: true };
      }
    }
    return job;
  }

  const restoredToast = (job: Job) => `Restored “${title(job.text, 60)}” — ${schedulePlain(job, clock.now())}.`;

  return {
    [UNDO_IN_LIST]: {
      async undo(press) {
        const job = await check(press);
        if (!('id' in job)) return job;
        const r = await scheduler.restore(press.token);
        if (!r.ok) return { done: false, toast: TOO_LATE_TO_UNDO };
        if (press.messageId !== undefined) {
          const chat = { id: press.chat.chatId, type: press.chat.type };
          const jobs = await jobsShown(deps, chat, press.userId, clock.now());
          const page = Math.max(0, Math.floor(jobs.findIndex((j) => j.id === job.id) / pageSize));
          const viewer = await viewerFor(deps, chat, press.userId, jobs);
          await outbox.edit(press.chat, press.messageId, renderJobList(jobs, page, pageSize, clock.now(), viewer));
        }
        return { done: true, toast: restoredToast(r.job) };
      },
    },
    [UNDO_SOLO]: {
      async undo(press) {
        const job = await check(press);
        if (!('id' in job)) return job;
        const r = await scheduler.restore(
          press.token,
          press.messageId !== undefined ? { card: { messageId: press.messageId, solo: true } } : {},
        );
        if (!r.ok) return { done: false, toast: TOO_LATE_TO_UNDO };
        if (press.messageId !== undefined) {
          const now = clock.now();
          const runs = r.job.schedule.type === 'once' ? [r.job.schedule.at] : nextRuns(r.job.schedule, now, 3);
          await outbox.edit(press.chat, press.messageId, {
            text: createdSummary(r.job, runs, [], now),
            format: 'plain',
            keyboard: cardKeyboard([r.job], true),
          });
        }
        return { done: true, toast: restoredToast(r.job) };
      },
    },
    [UNDO_INLINE]: {
      async undo(press) {
        const job = await check(press);
        if (!('id' in job)) return job;
        const r = await scheduler.restore(
          press.token,
          press.messageId !== undefined ? { card: { messageId: press.messageId, solo: false } } : {},
        );
        if (!r.ok) return { done: false, toast: TOO_LATE_TO_UNDO };
        const markup = press.ctx.callbackQuery?.message?.reply_markup;
        if (press.messageId !== undefined) {
          const data = press.ctx.callbackQuery?.data;
          const keyboard = mapKeyboard(markup, (b) =>
            'data' in b && b.data === data
              ? {
                  text: cancelLabel(r.job, false),
                  data: jobData.encode({ type: 'job', action: 'c', id: r.job.id, inDetails: false }),
                }
              : b,
          );
          await outbox.editKeyboard(press.chat, press.messageId, keyboard);
        }
        return { done: true, toast: restoredToast(r.job) };
      },
    },
  };
}
