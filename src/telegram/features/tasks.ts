import { Composer } from 'grammy';
import { toError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { Outbox } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Tasks } from '../../tasks/tasks.ts';
import { chatRefOf } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { answerStaleButton } from '../stale-button.ts';
import { tasksTexts } from './tasks-texts.ts';
import { renderTasks, taskCancelData } from './tasks-view.ts';

export const tasksCommands = [{ command: 'tasks', description: 'Background tasks: running, waiting, recent' }];

export interface TasksFeatureDeps {
  tasks: Pick<Tasks, 'list' | 'cancel'>;
  outbox: Outbox;
  clock: Clock;
  localeOf: (userId: number) => Promise<Locale>;
}

/**
 * `/tasks`: the caller's background tasks in this chat (running, queued, waiting for an approval, the latest ended
 * ones), with a Cancel button for each queued or running one. A press by someone else, or on a task that ended or no
 * longer exists, says so; the list is then redrawn.
 */
export function createTasksFeature(deps: TasksFeatureDeps): Composer<BotContext> {
  const { tasks, outbox, clock } = deps;
  const composer = new Composer<BotContext>();

  composer.command('tasks', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    const list = await tasks.list(ctx.from.id, to.chatId);
    const d = await outbox.send(to, renderTasks(list, clock.now(), await deps.localeOf(ctx.from.id)));
    ctx.log.info({ count: list.length, delivered: d.ok }, '/tasks');
  });

  composer.callbackQuery(taskCancelData.route, async (ctx) => {
    const me = ctx.from.id;
    const locale = await deps.localeOf(me);
    const t = tasksTexts(locale);
    const id = taskCancelData.decode(ctx.callbackQuery.data);
    if (id === undefined) return answerStaleButton(ctx, outbox, t.outdatedToast);
    try {
      const r = await tasks.cancel(id, me);
      if (r.result === 'not_found') return answerStaleButton(ctx, outbox, t.notFoundToast, { remove: 'button' });
      if (r.result === 'not_yours') {
        await ctx.answerCallbackQuery({ text: t.notYoursToast, show_alert: true });
        return;
      }
      await ctx.answerCallbackQuery({ text: r.result === 'cancelled' ? t.cancelledToast : t.endedToast });
      const to = chatRefOf(ctx);
      const messageId = ctx.callbackQuery.message?.message_id;
      if (to && messageId !== undefined) {
        const list = await tasks.list(me, to.chatId);
        await outbox.edit(to, messageId, renderTasks(list, clock.now(), locale));
      }
      ctx.log.info({ taskId: id, result: r.result }, 'task cancel pressed');
    } catch (err) {
      ctx.log.warn({ err: toError(err) }, 'task cancel failed');
      await ctx.answerCallbackQuery({ text: t.failedToast, show_alert: true }).catch(() => undefined);
    }
  });

  return composer;
}
