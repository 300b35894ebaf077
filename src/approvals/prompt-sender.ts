import type { ChatRef } from '../core/outbox.ts';
import { closedText } from './closed-texts.ts';
import type { ApprovalsContext } from './context.ts';
import { promptKeyboard } from './prompt-keyboard.ts';
import { promptText, promptTextWithDetails } from './prompt.ts';
import type { ApprovalRecord } from './records.ts';
import { approvalPromptKey } from '../core/keys/dedupe-keys.ts';

/** Sends prompts and edits every sent copy of one (closed, or with Details added). */
export interface PromptSender {
  /** Sends the open prompt (not for someone who lost access); true when Telegram took it. */
  send(a: ApprovalRecord, to: ChatRef, dedupe: boolean): Promise<boolean>;
  /** Edits every copy into the closed prompt with its audit line, without buttons. */
  editClosed(a: ApprovalRecord): Promise<void>;
  /** Edits every copy of the open prompt to show the technical details. */
  addDetails(a: ApprovalRecord): Promise<void>;
}

/** Creates the prompt sender. */
export function createPromptSender(ctx: ApprovalsContext): PromptSender {
  const { outbox, clock, log } = ctx;
  return {
    async send(a, to, dedupe) {
      if (!(await ctx.served(a.requestedBy))) return false;
      const alog = log.child({ approval_id: a.id, run_id: a.runId });
      const delivery = await outbox.send(to, {
        text: promptText(a, clock.now()),
        format: 'html',
        keyboard: promptKeyboard(a),
        dedupeKey: dedupe ? approvalPromptKey.encode(a.id) : undefined,
      });
      if (!delivery.ok) {
        alog.warn(
          { reason: delivery.reason, message: delivery.message },
          'approval prompt not delivered; the fallback applies at expiry',
        );
        return false;
      }
      const messageId = delivery.messageIds[0];
      if (messageId === undefined) return false;
      await ctx.approvals.recordCopy(a.id, to, messageId, clock.now());
      alog.info({ message_id: messageId, kind: a.kind, tool: a.tool }, 'prompt sent');
      return true;
    },
    async editClosed(a) {
      const text = closedText(a, clock.now());
      for (const c of await ctx.approvals.copies(a.id)) {
        const delivery = await outbox.edit(c.to, c.messageId, { text, format: 'html' });
        if (!delivery.ok)
          log.warn(
            { approval_id: a.id, reason: delivery.reason, message: delivery.message },
            'could not edit approval prompt',
          );
      }
    },
    async addDetails(a) {
      const copies = await ctx.approvals.copies(a.id);
      const text = promptTextWithDetails(a, clock.now());
      const keyboard = promptKeyboard(a, { details: true });
      for (const c of copies) {
        const delivery = await outbox.edit(c.to, c.messageId, { text, format: 'html', keyboard });
        if (!delivery.ok)
          log.warn({ approval_id: a.id, reason: delivery.reason }, 'could not add details to the prompt');
      }
    },
  };
}
