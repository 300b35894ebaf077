import { z } from 'zod';
import { toError } from '../core/errors.ts';
import type { Keyboard, OutMessage } from '../core/outbox.ts';
import type { TurnOutcome } from '../core/turn.ts';
import { markDelivered } from './task-store.ts';
import type { Task } from './task.ts';
import type { TasksContext } from './task-context.ts';
import { taskEndKey } from './task-keys.ts';
import { taskTexts } from './task-texts.ts';

/** A finished try's answer as stored until it is posted (the `result` column). */
const storedResult = z.object({
  text: z.string(),
  keyboard: z
    .array(
      z.array(
        z.union([z.object({ text: z.string(), data: z.string() }), z.object({ text: z.string(), url: z.string() })]),
      ),
    )
    .optional(),
});

export type StoredResult = z.infer<typeof storedResult>;

/** The result column of an outcome: its text and buttons. */
export function resultOf(outcome: TurnOutcome): string {
  const value: StoredResult = { text: outcome.text, ...(outcome.keyboard ? { keyboard: outcome.keyboard } : {}) };
  return JSON.stringify(value);
}

function parseResult(json: string | undefined): StoredResult | undefined {
  if (json === undefined) return undefined;
  try {
    const parsed = storedResult.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A title as it can stand in bold Markdown (the model wrote it). */
const plainTitle = (title: string): string => title.replace(/[*_`[\]\\]/g, '').trim() || '…';

/** The one message that ends a task: its answer, why it failed, or that it was cancelled. */
export function endMessage(task: Task, resultJson: string | undefined): OutMessage {
  const t = taskTexts(task.locale ?? 'en');
  const title = plainTitle(task.title);
  const result = parseResult(resultJson);
  const keyboard: Keyboard | undefined = result?.keyboard;
  if (task.status === 'cancelled') return { text: t.cancelled({ title }), format: 'plain' };
  if (task.status === 'done') {
    const body = result?.text.trim() || t.nothing;
    return { text: `${t.done({ title })}\n\n${body}`, format: 'markdown', ...(keyboard ? { keyboard } : {}) };
  }
  if (task.error === 'interrupted') return { text: t.interrupted({ title, attempts: task.attempts }), format: 'plain' };
  if (task.error === 'timeout') return { text: t.timedOut({ title }), format: 'plain' };
  const extra = result?.text.trim();
  return { text: extra ? `${t.failed({ title })}\n\n${extra}` : t.failed({ title }), format: 'markdown' };
}

/**
 * Posts the message that ends a task as a reply to the user's request, once (dedupe key), and marks it posted. A
 * chat that is gone counts as posted; any other failure leaves it for the next pass.
 */
export async function deliverEnd(ctx: TasksContext, task: Task, resultJson: string | undefined): Promise<void> {
  const message = endMessage(task, resultJson);
  try {
    if (ctx.deps.isServed && !(await ctx.deps.isServed(task.userId))) {
      // Access ended: nothing more is posted for them (like their paused jobs and cancelled approvals).
      await markDelivered(ctx.store, task.id, undefined);
      ctx.log.info({ taskId: task.id }, 'background task ended for a user no longer served; nothing posted');
      return;
    }
    const d = await ctx.deps.outbox.send(task.chat, {
      ...message,
      ...(task.requestMessageId !== undefined ? { replyTo: task.requestMessageId } : {}),
      dedupeKey: taskEndKey.encode(task.id),
    });
    if (d.ok) await markDelivered(ctx.store, task.id, d.messageIds[0]);
    else if (d.reason !== 'failed') await markDelivered(ctx.store, task.id, undefined);
    else ctx.log.warn({ taskId: task.id, reason: d.reason }, 'task message not delivered; will retry');
  } catch (err) {
    ctx.log.warn({ err: toError(err), taskId: task.id }, 'task message not delivered; will retry');
  }
}
