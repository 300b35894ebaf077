import { z } from 'zod';
import { defineTool, type Tool } from '../agents/tool.ts';
import { taskTurnId } from './task-keys.ts';
import type { Tasks } from './tasks.ts';

const input = z.object({
  title: z.string().trim().min(1).max(80).describe('A short title the user will recognise, in their language'),
  task: z
    .string()
    .trim()
    .min(1)
    .max(4000)
    .describe('The work to do, self-contained: everything needed without the conversation (names, links, dates)'),
});

/**
 * `task_start`: the router hands long work ("dig into this and get back to me") to a background task and answers at
 * once; the task runs as its own turn and its result is posted as a reply to the user's message when done.
 */
export function createTaskTool(tasks: Pick<Tasks, 'create' | 'options'>): Tool {
  return defineTool({
    name: 'task_start',
    description:
      'Start a background task for work that takes a while (research, digging into something, comparing sources) when the user asks you to get back to them or not to wait. Returns at once; the result is posted to the chat as a reply when done. Tell the user it started.',
    input,
    readOnly: true,
    async execute(args, ctx) {
      if (taskTurnId.decode(ctx.turnId) !== undefined)
        return { started: false, error: 'This already is a background task: do the work now instead.' };
      const r = await tasks.create({
        userId: ctx.userId,
        chat: ctx.chat,
        ...(ctx.messageId !== undefined ? { requestMessageId: ctx.messageId } : {}),
        title: args.title,
        description: args.task,
        timezone: ctx.timezone,
        ...(ctx.locale ? { locale: ctx.locale } : {}),
        // Text from outside read before this call goes with the task: its turn starts untrusted, as this one is.
        untrusted: ctx.turnReadUntrusted !== false,
      });
      if (!r.ok)
        return {
          started: false,
          error:
            r.reason === 'user'
              ? `The user already has ${r.limit} background tasks running or waiting. Tell them to wait for one to finish or cancel one in /tasks.`
              : 'Too many background tasks are running for everyone right now. Tell the user to try again in a few minutes, or answer now.',
        };
      return {
        started: true,
        title: r.task.title,
        note: 'Tell the user briefly that you started it and will reply here when done (they can see it in /tasks).',
      };
    },
  });
}
