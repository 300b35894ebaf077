import { type Clock, systemClock } from '../../core/clock.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Job } from '../../scheduler/job.ts';
import { atPlain, title } from '../../scheduler/messages.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { isGroupChat } from './groups.ts';
import { isGroupAdmin, jobsShown, localeOf, nameOf, viewerFor } from './jobs-access.ts';
import type { JobsFeatureDeps } from './jobs-deps.ts';
import { jobsTexts } from './jobs-texts.ts';
import { renderJobDetails, renderJobList, type Viewer } from './jobs-view.ts';

/** What the jobs handlers share: drawing the list and details, and checking a press. */
export interface JobsUi {
  deps: JobsFeatureDeps;
  clock: Clock;
  pageSize: number;
  now(): number;
  /** The language of the person who pressed or typed. */
  localeFor(ctx: BotContext): Promise<Locale>;
  /** Who is looking (their zone; names in a group). */
  viewerOf(ctx: BotContext, jobs: Job[]): Promise<Viewer>;
  /** The jobs the pressing person sees in this chat. */
  listFor(ctx: BotContext): Promise<Job[]>;
  /** Draws the list again on the pressed message, on the page of `focusId` (or `page`). */
  rerender(ctx: BotContext, focusId?: string, page?: number): Promise<void>;
  /** Draws a job's details on the pressed message. */
  showDetails(ctx: BotContext, job: Job): Promise<void>;
  /** Its creator may change a job; in a group, an admin too. Otherwise the press is answered with who can. */
  mayChange(ctx: BotContext, job: Job): Promise<boolean>;
  /** The job a button names, or an answer saying what happened to it. */
  current(ctx: BotContext, id: string, inList: boolean): Promise<Job | undefined>;
}

/** Creates the shared helpers of the jobs handlers. */
export function createJobsUi(deps: JobsFeatureDeps): JobsUi {
  const { scheduler, outbox } = deps;
  const pageSize = deps.pageSize ?? 5;
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

  const localeFor = (ctx: BotContext) => localeOf(deps, ctx.from!.id);

  async function mayChange(ctx: BotContext, job: Job): Promise<boolean> {
    const userId = ctx.from!.id;
    if (job.ownerUserId === userId) return true;
    if (isGroupChat(ctx.chat?.type) && job.chatId === ctx.chat?.id && (await isGroupAdmin(ctx, job.chatId, userId)))
      return true;
    const locale = await localeFor(ctx);
    const t = jobsTexts(locale);
    const who = await nameOf(deps, job.ownerUserId, locale);
    const text = isGroupChat(ctx.chat?.type) ? t.onlyOwnerOrAdmin({ who }) : t.onlyOwner({ who });
    await ctx.answerCallbackQuery({ text, show_alert: true });
    return false;
  }

  async function current(ctx: BotContext, id: string, inList: boolean): Promise<Job | undefined> {
    const job = await scheduler.get(id);
    const locale = await localeFor(ctx);
    const t = jobsTexts(locale);
    if (!job || job.chatId !== ctx.chat?.id) {
      await ctx.answerCallbackQuery({ text: t.gone, show_alert: true });
      if (inList) await rerender(ctx);
      return undefined;
    }
    if (job.deletedAt !== null) {
      await ctx.answerCallbackQuery({ text: t.wasDeleted({ title: title(job.text, 60) }) });
      if (inList) await rerender(ctx, job.id);
      return undefined;
    }
    if (job.completedAt !== null) {
      const at = job.lastRunAt !== null ? { at: atPlain(job.lastRunAt, job.timezone, now(), locale) } : {};
      await ctx.answerCallbackQuery({ text: t.alreadyRan({ title: title(job.text, 60), ...at }) });
      if (inList) await rerender(ctx);
      return undefined;
    }
    return job;
  }

  return { deps, clock, pageSize, now, localeFor, viewerOf, listFor, rerender, showDetails, mayChange, current };
}
