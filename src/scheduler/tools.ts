import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Tool, type ToolContext, defineTool } from '../agents/tool.ts';
import type { Job } from './job.ts';
import { describeJobCall } from './job-approval.ts';
import { missedPolicySchema } from './job.ts';
import { ScheduleError, describeSchedule, whenSchema } from './schedule.ts';
import type { Scheduler } from './scheduler.ts';
import type { TurnAnswers } from './turn-answers.ts';
import { formatLocal } from '../core/zoned-time.ts';

const idSchema = z.string().trim().min(1).max(64).describe('The job id from schedule_list or schedule_create.');

function view(job: Job, scheduler: Scheduler, now: number) {
  const upcoming = job.enabled ? scheduler.upcoming(job, 3) : [];
  return {
    id: job.id,
    kind: job.kind,
    text: job.text,
    schedule: describeSchedule(job.schedule, now, job.timezone),
    timezone: job.timezone,
    enabled: job.enabled,
    ...(job.pausedReason ? { paused_reason: job.pausedReason } : {}),
    next_runs_local: upcoming.map((t) => formatLocal(t, job.timezone, now)),
    ...(job.lastStatus ? { last_status: job.lastStatus } : {}),
    ...(job.lastError ? { last_error: job.lastError } : {}),
  };
}

async function ownJob(scheduler: Scheduler, id: string, ctx: ToolContext): Promise<Job> {
  const job = await scheduler.get(id);
  if (!job || job.deletedAt !== null || job.ownerUserId !== ctx.userId || job.chatId !== ctx.chat.chatId) {
    throw new ScheduleError(`There is no job "${id}" of yours in this chat. Call schedule_list to see the ids.`);
  }
  return job;
}

/**
 * The agent tools `schedule_create`, `schedule_list`, `schedule_update`, `schedule_delete`.
 * Times are structured intents resolved by the server in the user's time zone (a group's own zone in a group); the
 * model never computes timestamps. With `answers`, a turn's answer shows the confirmation card or the deletion with
 * its Undo button (one message); without, the card is posted at once.
 */
export function createSchedulerTools(scheduler: Scheduler, answers?: TurnAnswers): Tool[] {
  const create = defineTool({
    name: 'schedule_create',
    description:
      'Schedule a reminder (posted as-is, no AI) or a prompt (you will be asked it at that time and your answer posted). ' +
      'Pass the time as the user said it via "when"; never compute dates or timestamps yourself. ' +
      'The user is shown a confirmation card with the resolved time and a "Cancel reminder" button as your answer: do not repeat the time or the text. ' +
      'A recurring prompt may not run more often than every 15 minutes (unless the owner changed that); reminders may repeat every minute. If a schedule is refused, the error names one that fits: offer it to the user.',
    input: z.object({
      kind: z
        .enum(['reminder', 'prompt'])
        .default('reminder')
        .describe(
          '"reminder": post the text at that time. "prompt": run the text as a request (e.g. "send me a weather briefing").',
        ),
      text: z.string().trim().min(1).max(2000).describe('Reminder text (e.g. "stretch"), or the prompt to run.'),
      when: whenSchema,
      timezone: z
        .string()
        .trim()
        .optional()
        .describe("Only if the user names another IANA time zone; default is theirs (in a group: the group's)."),
      missed: missedPolicySchema
        .optional()
        .describe('If the bot was offline at that time: run_once_within_grace (default), skip, or notify.'),
    }),
    async execute(args, ctx) {
      const now = ctx.clock.now();
      const inAnswer = answers?.claims(ctx.turnId) === true;
      const created = await scheduler.create({
        ownerUserId: ctx.userId,
        chat: ctx.chat,
        kind: args.kind,
        text: args.text,
        when: args.when,
        ...(args.timezone !== undefined ? { timezone: args.timezone } : {}),
        ...(args.missed ? { missedPolicy: args.missed } : {}),
        requestKey: requestKeyOf(ctx.turnId, args),
        announce: !inAnswer,
      });
      const { job } = created;
      if (inAnswer) answers?.created(ctx.turnId, job.id, created.resolved.notes);
      return {
        ok: true,
        id: job.id,
        summary: created.summary,
        resolved_local_time: formatLocal(created.resolved.firstRun, job.timezone, now),
        timezone: job.timezone,
        schedule: describeSchedule(job.schedule, now, job.timezone),
        next_runs_local: created.nextRuns.map((t) => formatLocal(t, job.timezone, now)),
        notes: created.resolved.notes,
        confirmation_posted: inAnswer || created.card?.ok === true,
        shown_to_user:
          'The confirmation card with this time and a Cancel button is the answer the user sees. Do not restate it; add one short line only if there is something else to say.',
      };
    },
  });

  const list = defineTool({
    name: 'schedule_list',
    readOnly: true,
    description: "List the user's reminders and scheduled prompts in this chat, with ids and next runs in local time.",
    input: z.object({}),
    async execute(_args, ctx) {
      const now = ctx.clock.now();
      const jobs = await scheduler.list({ ownerUserId: ctx.userId, chatId: ctx.chat.chatId });
      return { count: jobs.length, jobs: jobs.map((j) => view(j, scheduler, now)) };
    },
  });

  const update = defineTool({
    name: 'schedule_update',
    description:
      'Change a job: new text, new time ("when", same forms as schedule_create), or enabled=false to pause / true to resume.',
    input: z.object({
      id: idSchema,
      text: z.string().trim().min(1).max(2000).optional(),
      when: whenSchema.optional(),
      timezone: z.string().trim().optional(),
      enabled: z.boolean().optional(),
    }),
    async execute(args, ctx) {
      await ownJob(scheduler, args.id, ctx);
      const result = await scheduler.update(args.id, {
        ...(args.text !== undefined ? { text: args.text } : {}),
        ...(args.when !== undefined ? { when: args.when } : {}),
        ...(args.timezone !== undefined ? { timezone: args.timezone } : {}),
        ...(args.enabled !== undefined ? { enabled: args.enabled } : {}),
      });
      return { ok: true, summary: result.summary, job: view(result.job, scheduler, ctx.clock.now()) };
    },
    describeForApproval: (args, ctx) => describeJobCall(scheduler, 'schedule_update', args, ctx),
  });

  const remove = defineTool({
    name: 'schedule_delete',
    description:
      'Delete a reminder or scheduled prompt by id (call schedule_list first to find it). The user gets an Undo button for 5 minutes.',
    input: z.object({ id: idSchema }),
    describeForApproval: (args, ctx) => describeJobCall(scheduler, 'schedule_delete', args, ctx),
    async execute(args, ctx) {
      const job = await ownJob(scheduler, args.id, ctx);
      const removed = await scheduler.remove(job.id);
      if (!removed) return { ok: false, error: 'That job was already deleted.' };
      if (answers?.claims(ctx.turnId)) answers.deleted(ctx.turnId, removed.job, removed.token);
      else await answers?.postDeleted(removed.job, removed.token);
      return {
        ok: true,
        deleted: { id: job.id, text: job.text },
        shown_to_user: 'The user sees that it was deleted, with an Undo button for 5 minutes. Do not restate it.',
      };
    },
  });

  return [create, list, update, remove];
}

/** Same turn, same arguments → same key, so a turn replayed after a crash doesn't schedule the job twice. */
function requestKeyOf(turnId: string, args: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  return `${turnId}:${createHash('sha256')
    .update(JSON.stringify(canonical(args)))
    .digest('base64url')
    .slice(0, 22)}`;
}
