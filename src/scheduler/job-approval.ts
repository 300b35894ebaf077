import type { ApprovalDescription, ToolContext } from '../agents/tool.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Job } from './job.ts';
import { jobApprovalTexts } from './job-approval-texts.ts';
import { jobLine, quote } from './messages.ts';
import { describeSchedule } from './schedule.ts';
import type { Scheduler } from './scheduler.ts';
import { formatLocal } from '../core/zoned-time.ts';

/** The two scheduler tools whose calls may need approval. */
export type GuardedJobTool = 'schedule_update' | 'schedule_delete';

/**
 * For approval prompts: the job a `schedule_update`/`schedule_delete` call names, as its /jobs line (so the user sees
 * which reminder they are approving instead of an opaque id), and the call as a confirmation with its own verbs, e.g.
 * "Delete the reminder “Call mom” (Fri 4 Dec, 09:00)?" [Delete] [Keep]. Only the caller's own jobs in this chat.
 */
export async function describeJobCall(
  scheduler: Scheduler,
  tool: GuardedJobTool,
  args: Record<string, unknown>,
  ctx: ToolContext,
): Promise<ApprovalDescription | undefined> {
  if (typeof args.id !== 'string') return undefined;
  const job = await scheduler.get(args.id);
  if (!job || job.ownerUserId !== ctx.userId || job.chatId !== ctx.chat.chatId) return undefined;
  const now = ctx.clock.now();
  const locale = ctx.locale ?? 'en';
  const line = jobLine(job, now);
  return {
    details: tool === 'schedule_update' ? `${line}\n${describeJobChange(job, args, locale)}` : line,
    confirm: confirmJobCall(job, tool, args, now, locale),
  };
}

function confirmJobCall(
  job: Job,
  tool: GuardedJobTool,
  args: Record<string, unknown>,
  now: number,
  locale: Locale,
): { title: string; yes: string; no: string } {
  const t = jobApprovalTexts(locale);
  const text = quote(job.text, 80);
  const what = job.kind === 'prompt' ? t.theTask({ text }) : t.theReminder({ text });
  const when =
    job.schedule.type === 'once'
      ? formatLocal(job.schedule.at, job.timezone, now)
      : describeSchedule(job.schedule, now, job.timezone);
  if (tool === 'schedule_delete') return { title: t.deleteTitle({ what, when }), yes: t.deleteYes, no: t.deleteNo };
  if (typeof args.text === 'string')
    return { title: t.changeTextTitle({ what, text: quote(args.text, 200) }), yes: t.changeYes, no: t.changeNo };
  if (args.enabled === false) return { title: t.pauseTitle({ what, when }), yes: t.pauseYes, no: t.pauseNo };
  return { title: t.changeTitle({ what, when }), yes: t.changeYes, no: t.changeNo };
}

/** What a `schedule_update` call would change, in words (the new text itself is shown in full with the arguments). */
function describeJobChange(job: Job, args: Record<string, unknown>, locale: Locale): string {
  const t = jobApprovalTexts(locale);
  const changes: string[] = [];
  if (args.enabled === false) changes.push(t.pauseIt);
  if (args.enabled === true) changes.push(t.resumeIt);
  if (typeof args.text === 'string') changes.push(job.kind === 'prompt' ? t.replacePrompt : t.replaceText);
  if (args.when !== undefined) changes.push(t.changeWhen);
  if (typeof args.timezone === 'string') changes.push(t.useZone({ zone: args.timezone }));
  return t.changes({ list: changes.length > 0 ? changes.join('; ') : t.nothing });
}
