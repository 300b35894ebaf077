import type { Logger } from '../core/logger.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Store } from '../store/db.ts';
import { appendRunEvents } from './events.ts';

/** Shown in place of a cancelled prompt (its buttons go with the old text). */
export const ACCESS_ENDED_PROMPT_TEXT = '🚫 Cancelled: the person who asked no longer has access to this assistant.';

/** What `cancelApprovalsOfUser` settled: prompts to close, and the counts for the owner's summary. */
export interface CancelledApprovals {
  approvals: number;
  questions: number;
  runs: number;
  /** Every copy of every cancelled prompt (to replace its text and remove its buttons). */
  prompts: { chat: ChatRef; messageId: number }[];
}

/**
 * Denies every pending approval and question of `userId` and fails their suspended runs, in one transaction: a run
 * whose status is no longer `waiting` is never resumed (the resume claim is a compare-and-set on it), so no model
 * call follows for them. Runs already resuming are marked failed too; the service's access check stops their output.
 */
export function cancelApprovalsOfUser(
  store: Store,
  log: Logger,
  userId: number,
  now: number,
): Promise<CancelledApprovals> {
  return store.write(async (tx) => {
    const runs = await tx.query(
      `SELECT id, chat_id FROM approval_runs WHERE user_id = ? AND status IN ('waiting','resuming')`,
      [userId],
    );
    const pending = await tx.query(
      `SELECT id, run_id, kind, tool, chat_id FROM approvals WHERE status = 'pending'
         AND (requested_by = ? OR run_id IN (SELECT id FROM approval_runs WHERE user_id = ? AND status IN ('waiting','resuming')))`,
      [userId, userId],
    );
    const prompts: CancelledApprovals['prompts'] = [];
    let approvals = 0;
    let questions = 0;
    for (const a of pending) {
      const id = String(a.id);
      await tx.run(
        `UPDATE approvals SET status = 'denied', decided_by_name = 'the access check (access ended)', decided_at = ? WHERE id = ? AND status = 'pending'`,
        [now, id],
      );
      if (a.kind === 'question') questions += 1;
      else approvals += 1;
      await appendRunEvents(tx, log, String(a.run_id), Number(a.chat_id), now, [
        {
          type: 'approval_decided',
          data: { approvalId: id, tool: String(a.tool), decision: 'denied', reason: 'access_ended' },
        },
      ]);
      const copies = await tx.query(
        'SELECT chat_id, topic_id, message_id FROM approval_messages WHERE approval_id = ?',
        [id],
      );
      for (const c of copies) {
        const chat: ChatRef =
          c.topic_id === null || c.topic_id === undefined
            ? { chatId: Number(c.chat_id) }
            : { chatId: Number(c.chat_id), topicId: Number(c.topic_id) };
        prompts.push({ chat, messageId: Number(c.message_id) });
      }
    }
    for (const r of runs) {
      await tx.run(
        `UPDATE approval_runs SET status = 'failed', outcome_status = 'access_ended', error = 'the user no longer has access',
           lease_until = NULL, updated_at = ? WHERE id = ? AND status IN ('waiting','resuming')`,
        [now, String(r.id)],
      );
      await appendRunEvents(tx, log, String(r.id), Number(r.chat_id), now, [
        { type: 'failed', data: { reason: 'access_ended' } },
      ]);
    }
    return { approvals, questions, runs: runs.length, prompts };
  });
}

/** Users with a suspended run or an open prompt (the start-up check looks for those who lost access while offline). */
export async function usersWithOpenApprovals(store: Store): Promise<number[]> {
  const rows = await store.query(
    `SELECT user_id AS id FROM approval_runs WHERE status IN ('waiting','resuming')
     UNION SELECT requested_by AS id FROM approvals WHERE status = 'pending'`,
  );
  return rows.map((r) => Number(r.id));
}
