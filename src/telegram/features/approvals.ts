import { Composer } from 'grammy';
import type { Approvals } from '../../approvals/service.ts';
import { toError } from '../../core/errors.ts';
import type { ChatRef } from '../../core/outbox.ts';
import type { Outbox } from '../../core/outbox.ts';
import { chatRefOf, displayName } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import { answerStaleButton } from '../stale-button.ts';

export const approvalsCommands = [
  { command: 'pending', description: 'Approvals, questions and access requests waiting for you' },
];

export interface ApprovalsFeatureDeps {
  approvals: Approvals;
  /** `/pending` also re-sends open access requests (the owner, in a private chat); returns how many it sent. */
  accessRequests?: (to: ChatRef & { type: string }, userId: number) => Promise<number>;
  /** Takes the buttons off a prompt whose request is already closed. */
  outbox: Pick<Outbox, 'edit' | 'editKeyboard'>;
}

/**
 * Approve / Deny / Always-allow buttons (`ap:<id>:y|n|a`), ask_user option buttons (`q:<id>:<i>`) and `/pending`.
 * The callback query is answered as soon as the decision is recorded; editing prompts and resuming run afterwards.
 * Text answers to ask_user go through `approvals.answerFromText`, called by the chat feature.
 */
export function createApprovalsFeature(deps: ApprovalsFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.callbackQuery(/^(ap|q):/, async (ctx) => {
    const result = await deps.approvals.handleCallback(ctx.callbackQuery.data, {
      id: ctx.from.id,
      name: displayName(ctx.from),
    });
    ctx.log.info({ data: ctx.callbackQuery.data, ok: result.ok }, 'approval button');
    if (result.stale) return answerStaleButton(ctx, deps.outbox, result.text, { alert: result.alert });
    await ctx.answerCallbackQuery({ text: result.text.slice(0, 200), show_alert: result.alert });
  });

  composer.command('pending', async (ctx) => {
    const to = chatRefOf(ctx);
    if (!to || !ctx.from) return;
    try {
      const requests = (await deps.accessRequests?.(to, ctx.from.id)) ?? 0;
      // With access requests shown, "nothing is waiting" would be wrong: approvals are listed only when there are some.
      const none = requests > 0 && (await deps.approvals.pendingFor(to, ctx.from.id)).length === 0;
      const approvals = none ? 0 : await deps.approvals.resendPending(to, ctx.from.id);
      ctx.log.info({ count: approvals, access_requests: requests }, '/pending');
    } catch (err) {
      ctx.log.error({ err: toError(err) }, '/pending failed');
      throw err;
    }
  });

  return composer;
}
