import { Composer } from 'grammy';
import { z } from 'zod';
import { type Clock, systemClock } from '../../core/clock.ts';
import { AppError, toError } from '../../core/errors.ts';
import type { Keyboard, OutMessage, Outbox } from '../../core/outbox.ts';
import type { Job } from '../../scheduler/job.ts';
import { jobLine, quote } from '../../scheduler/messages.ts';
import type { Scheduler } from '../../scheduler/scheduler.ts';
import { formatLocal } from '../../scheduler/zoned.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';

export const jobsCommands = [{ command: 'jobs', description: 'Your reminders and scheduled tasks' }];

export interface JobsFeatureDeps {
  scheduler: Scheduler;
  outbox: Outbox;
  clock?: Clock;
  /** Jobs per /jobs page. Default 8. */
  pageSize?: number;
}

const ID = '[A-Za-z0-9_-]{1,40}';
const jobData = z.union([
  z
    .string()
    .regex(new RegExp(`^job:(p|r|n|d|y|k|c):${ID}$`))
    .transform((s) => {
      const [, action, id] = s.split(':');
      return { type: 'job' as const, action: action as 'p' | 'r' | 'n' | 'd' | 'y' | 'k' | 'c', id: id! };
    }),
  z
    .string()
    .regex(/^job:l:\d{1,3}$/)
    .transform((s) => ({ type: 'page' as const, page: Number(s.split(':')[2]) })),
]);
const remData = z.union([
  z
    .string()
    .regex(new RegExp(`^rem:s:(10m|1h|tm):${ID}:\\d{1,15}$`))
    .transform((s) => {
      const [, , choice, id, sf] = s.split(':');
      return { action: 'snooze' as const, choice: choice as '10m' | '1h' | 'tm', id: id!, scheduledFor: Number(sf) };
    }),
  z
    .string()
    .regex(new RegExp(`^rem:d:${ID}:\\d{1,15}$`))
    .transform((s) => {
      const [, , id, sf] = s.split(':');
      return { action: 'done' as const, id: id!, scheduledFor: Number(sf) };
    }),
]);

/** The /jobs message: numbered jobs and one row of buttons per job, paged. */
export function renderJobList(jobs: Job[], page: number, pageSize: number, now: number): OutMessage {
  if (jobs.length === 0) {
    return {
      text: 'You have no reminders or scheduled tasks in this chat.\nAsk me, e.g. "remind me in 20 minutes to stretch" or "every weekday at 8:00 send me a briefing".',
      format: 'plain',
    };
  }
  const pages = Math.ceil(jobs.length / pageSize);
  const p = Math.min(Math.max(0, page), pages - 1);
  const slice = jobs.slice(p * pageSize, (p + 1) * pageSize);
  const lines = slice.map((job, i) => `${p * pageSize + i + 1}. ${jobLine(job, now)}`);
  const keyboard: Keyboard = slice.map((job, i) => {
    const n = p * pageSize + i + 1;
    return [
      job.enabled ? { text: `⏸ ${n}`, data: `job:p:${job.id}` } : { text: `▶️ ${n}`, data: `job:r:${job.id}` },
      { text: `⚡ Run ${n}`, data: `job:n:${job.id}` },
      { text: `🗑 ${n}`, data: `job:d:${job.id}` },
    ];
  });
  if (pages > 1) {
    const nav = [];
    if (p > 0) nav.push({ text: '« Prev', data: `job:l:${p - 1}` });
    nav.push({ text: `${p + 1}/${pages}`, data: `job:l:${p}` });
    if (p < pages - 1) nav.push({ text: 'Next »', data: `job:l:${p + 1}` });
    keyboard.push(nav);
  }
  const header = `Your jobs in this chat (${jobs.length}):`;
  return { text: [header, ...lines, '', '⏸ pause · ▶️ resume · ⚡ run now · 🗑 delete'].join('\n'), format: 'plain', keyboard };
}

/**
 * `/jobs` (list with Pause/Resume, Run now, Delete-after-confirm), the Keep/Cancel buttons under a new schedule
 * (`job:k|c:<id>`) and the reminder buttons Snooze 10 min / 1 h / Tomorrow and Done (`rem:…`).
 * Only the job's owner may press them; everyone else gets a polite alert.
 */
export function createJobsFeature(deps: JobsFeatureDeps): Composer<BotContext> {
  const { scheduler, outbox } = deps;
  const pageSize = deps.pageSize ?? 8;
  const composer = new Composer<BotContext>();
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();

  async function listFor(ctx: BotContext): Promise<Job[]> {
    return scheduler.list({ ownerUserId: ctx.from!.id, chatId: ctx.chat!.id });
  }

  async function rerender(ctx: BotContext, focusId?: string, page?: number): Promise<void> {
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery?.message?.message_id;
    if (!to || messageId === undefined) return;
    const jobs = await listFor(ctx);
    const index = focusId ? jobs.findIndex((j) => j.id === focusId) : -1;
    const p = page ?? (index >= 0 ? Math.floor(index / pageSize) : 0);
    const delivery = await outbox.edit(to, messageId, renderJobList(jobs, p, pageSize, now()));
    if (!delivery.ok) ctx.log.warn({ reason: delivery.reason }, 'could not update the /jobs message');
  }

  async function ownedJob(ctx: BotContext, id: string): Promise<Job | undefined> {
    const job = await scheduler.get(id);
    if (!job) {
      await ctx.answerCallbackQuery({ text: 'That job no longer exists. Send /jobs for the current list.', show_alert: true });
      return undefined;
    }
    if (job.ownerUserId !== ctx.from?.id) {
      await ctx.answerCallbackQuery({ text: 'Only the person who created this job can change it.', show_alert: true });
      return undefined;
    }
    return job;
  }

  composer.command('jobs', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const jobs = await listFor(ctx);
    const delivery = await outbox.send(to, renderJobList(jobs, 0, pageSize, now()));
    ctx.log.info({ count: jobs.length, delivered: delivery.ok }, '/jobs');
  });

  composer.callbackQuery(/^job:/, async (ctx) => {
    const parsed = jobData.safeParse(ctx.callbackQuery.data);
    if (!parsed.success) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date. Send /jobs for a fresh list.' });
      return;
    }
    const data = parsed.data;
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    try {
      if (data.type === 'page') {
        await ctx.answerCallbackQuery();
        await rerender(ctx, undefined, data.page);
        return;
      }
      const job = await ownedJob(ctx, data.id);
      if (!job) return;
      switch (data.action) {
        case 'p': {
          await scheduler.pause(job.id);
          await ctx.answerCallbackQuery({ text: 'Paused. Tap ▶️ to resume.' });
          await rerender(ctx, job.id);
          return;
        }
        case 'r': {
          const resumed = await scheduler.resume(job.id);
          const next = resumed.nextRunAt !== null ? formatLocal(resumed.nextRunAt, resumed.timezone, now()) : 'none';
          await ctx.answerCallbackQuery({ text: `Resumed. Next run: ${next}.` });
          await rerender(ctx, job.id);
          return;
        }
        case 'n': {
          await scheduler.runNow(job.id);
          await ctx.answerCallbackQuery({ text: 'Running it now…' });
          return;
        }
        case 'd': {
          await ctx.answerCallbackQuery();
          if (to && messageId !== undefined) {
            await outbox.edit(to, messageId, {
              text: `Delete ${quote(job.text, 120)}? This can't be undone.`,
              format: 'plain',
              keyboard: [
                [
                  { text: '🗑 Yes, delete', data: `job:y:${job.id}` },
                  { text: '↩️ Keep it', data: 'job:l:0' },
                ],
              ],
            });
          }
          return;
        }
        case 'y': {
          await scheduler.delete(job.id);
          await ctx.answerCallbackQuery({ text: 'Deleted.' });
          await rerender(ctx);
          return;
        }
        case 'k': {
          await ctx.answerCallbackQuery({ text: 'Saved ✅' });
          if (to && messageId !== undefined) await outbox.editKeyboard(to, messageId, undefined);
          return;
        }
        case 'c': {
          await scheduler.delete(job.id);
          await ctx.answerCallbackQuery({ text: 'Cancelled.' });
          if (to && messageId !== undefined) {
            await outbox.edit(to, messageId, { text: `✖️ Cancelled: ${quote(job.text, 200)}`, format: 'plain' });
          }
          return;
        }
      }
    } catch (err) {
      const e = toError(err);
      ctx.log.warn({ err: e, data: ctx.callbackQuery.data }, 'job button failed');
      const text = e instanceof AppError && e.code === 'invalid_input' ? e.message : 'Something went wrong. Please try again.';
      await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true }).catch(() => undefined);
    }
  });

  composer.callbackQuery(/^rem:/, async (ctx) => {
    const parsed = remData.safeParse(ctx.callbackQuery.data);
    if (!parsed.success) {
      await ctx.answerCallbackQuery({ text: 'This button is out of date.' });
      return;
    }
    const data = parsed.data;
    const to = chatRefOf(ctx);
    const messageId = ctx.callbackQuery.message?.message_id;
    try {
      const job = await ownedJob(ctx, data.id);
      if (!job) return;
      if (data.action === 'done') {
        await ctx.answerCallbackQuery({ text: 'Done ✅' });
        if (to && messageId !== undefined) {
          await outbox.edit(to, messageId, { text: `✅ ${job.text}`, format: 'plain' });
        }
        return;
      }
      const snoozed = await scheduler.snooze(job.id, data.scheduledFor, data.choice);
      const until = formatLocal(snoozed.at, snoozed.job.timezone, now());
      await ctx.answerCallbackQuery({ text: snoozed.already ? `Already snoozed until ${until}.` : `Snoozed until ${until}.` });
      if (to && messageId !== undefined) {
        await outbox.edit(to, messageId, { text: `⏰ ${job.text}\n💤 Snoozed until ${until}`, format: 'plain' });
      }
    } catch (err) {
      const e = toError(err);
      ctx.log.warn({ err: e, data: ctx.callbackQuery.data }, 'reminder button failed');
      const text = e instanceof AppError && e.code === 'invalid_input' ? e.message : 'Something went wrong. Please try again.';
      await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}
