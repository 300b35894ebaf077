import { Composer } from 'grammy';
import { jobData, reminderData } from '../../core/keys/callback-data.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { createJobButtonHandler } from './jobs-buttons.ts';
import type { JobsFeatureDeps } from './jobs-deps.ts';
import { createNewTimeHandler } from './jobs-new-time.ts';
import { createReminderButtonHandler } from './jobs-reminder-buttons.ts';
import { createJobsUi } from './jobs-ui.ts';
import { renderJobList } from './jobs-view.ts';

export type { JobsFeatureDeps } from './jobs-deps.ts';
export { createJobUndoHandlers } from './jobs-undo.ts';
export { renderJobList } from './jobs-view.ts';

export const jobsCommands = [{ command: 'jobs', description: 'Your reminders and scheduled tasks' }];

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
  const ui = createJobsUi(deps);
  const composer = new Composer<BotContext>();

  composer.command('jobs', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const jobs = await ui.listFor(ctx);
    const viewer = await ui.viewerOf(ctx, jobs);
    const delivery = await deps.outbox.send(to, renderJobList(jobs, 0, ui.pageSize, ui.now(), viewer));
    ctx.log.info({ count: jobs.length, delivered: delivery.ok }, '/jobs');
  });
  composer.callbackQuery(jobData.route, createJobButtonHandler(ui));
  composer.on('message:text', createNewTimeHandler(ui));
  composer.callbackQuery(reminderData.route, createReminderButtonHandler(ui));
  return composer;
}
