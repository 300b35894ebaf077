import {
  type CancelledApprovals,
  ACCESS_ENDED_PROMPT_TEXT,
  cancelApprovalsOfUser,
  usersWithOpenApprovals,
} from '../approvals/cancel-user.ts';
import type { Clock } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import { type PausedJob, activeJobOwners, pauseJobsOfUser } from '../scheduler/pause-owner.ts';
import type { Store } from '../store/db.ts';
import type { AccessChange, Users } from './users.ts';

/** What ending one user's access stopped. */
export interface AccessEnded {
  userId: number;
  paused: PausedJob[];
  cancelled: CancelledApprovals;
}

export interface Revocation {
  /** Listener for `users.onAccessChange`: when the user is no longer served, stops their work; returns the owner's summary. */
  onAccessChange(change: AccessChange): Promise<string | undefined>;
  /**
   * Start-up check, before intake and the scheduler start: users dropped from ALLOWED_USER_IDS, and anyone else who
   * owns active jobs or open approvals without being served, have their work stopped; the owner gets one summary.
   */
  reconcile(): Promise<AccessEnded[]>;
  /** Pauses the user's jobs, cancels their approvals and questions, and closes the prompts. Idempotent. */
  endAccess(userId: number): Promise<AccessEnded>;
}

/**
 * One line for the owner about what was stopped, or undefined when there was nothing to stop. `readmit` says how
 * the user gets back in (a /users button, or ALLOWED_USER_IDS).
 */
export function describeAccessEnded(ended: AccessEnded, readmit = 'let them back in (/users)'): string | undefined {
  const parts: string[] = [];
  const n = ended.paused.length;
  if (n > 0) {
    const shown = ended.paused.slice(0, 5).map((j) => `${j.kind === 'reminder' ? '⏰' : '🗓'} “${clip(j.text, 60)}”`);
    const more = n > shown.length ? ` and ${n - shown.length} more` : '';
    parts.push(`paused ${n === 1 ? 'their scheduled job' : `their ${n} scheduled jobs`}: ${shown.join(', ')}${more}`);
  }
  const open = ended.cancelled.approvals + ended.cancelled.questions;
  if (open > 0) parts.push(`cancelled ${open === 1 ? 'one request' : `${open} requests`} waiting for a decision`);
  if (parts.length === 0) return undefined;
  return `⏸ I ${parts.join(' and ')}. Nothing of theirs will run or be sent to them. If you ${readmit}, they can resume their jobs in /jobs.`;
}

function clip(text: string, max: number): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Creates the revocation sweep: what happens to a user's jobs and pending approvals when their access ends. */
export function createRevocation(deps: {
  store: Store;
  outbox: Outbox;
  users: Users;
  clock: Clock;
  log: Logger;
}): Revocation {
  const { store, outbox, users, clock } = deps;
  const log = deps.log.child({ module: 'access' });

  async function endAccess(userId: number): Promise<AccessEnded> {
    const now = clock.now();
    const paused = await pauseJobsOfUser(store, userId, now);
    const cancelled = await cancelApprovalsOfUser(store, log, userId, now);
    for (const p of cancelled.prompts) {
      const d = await outbox.edit(p.chat, p.messageId, { text: ACCESS_ENDED_PROMPT_TEXT, format: 'plain' });
      if (!d.ok) log.warn({ target_user: userId, reason: d.reason }, 'could not close a cancelled approval prompt');
    }
    if (paused.length > 0 || cancelled.runs > 0 || cancelled.prompts.length > 0) {
      log.info(
        {
          target_user: userId,
          paused_jobs: paused.length,
          cancelled_approvals: cancelled.approvals + cancelled.questions,
          failed_runs: cancelled.runs,
        },
        'access ended: jobs paused, open approvals cancelled',
      );
    }
    return { userId, paused, cancelled };
  }

  async function nameOf(userId: number): Promise<string> {
    const u = await users.get(userId);
    const name = u?.firstName?.trim() || (u?.username ? `@${u.username}` : undefined);
    return name ? `${name} [id ${userId}]` : `user ${userId}`;
  }

  return {
    endAccess,

    async onAccessChange(change) {
      try {
        if (await users.isServed(change.userId)) return undefined;
        return describeAccessEnded(await endAccess(change.userId));
      } catch (err) {
        log.error(
          { err: toError(err), target_user: change.userId },
          'could not stop the work of a user whose access ended',
        );
        return "⚠️ I couldn't stop all of their scheduled jobs and pending requests just now. They still won't run for them, and I'll finish the clean-up at the next restart.";
      }
    },

    async reconcile() {
      const dropped = await users.dropUnlisted();
      if (dropped.length > 0) log.info({ users: dropped.length }, 'users no longer in ALLOWED_USER_IDS lost access');
      const candidates = [
        ...new Set([...dropped, ...(await activeJobOwners(store)), ...(await usersWithOpenApprovals(store))]),
      ];
      const ended: AccessEnded[] = [];
      const lines: string[] = [];
      for (const userId of candidates) {
        if (await users.isServed(userId)) continue;
        const result = await endAccess(userId);
        ended.push(result);
        const what = describeAccessEnded(
          result,
          dropped.includes(userId) ? 'add them back to ALLOWED_USER_IDS' : undefined,
        );
        const why = dropped.includes(userId) ? 'is no longer in ALLOWED_USER_IDS' : 'no longer has access';
        if (what) lines.push(`• ${await nameOf(userId)} ${why}. ${what}`);
      }
      const ownerId = await users.ownerId();
      if (lines.length > 0 && ownerId !== undefined) {
        const d = await outbox.send(
          { chatId: ownerId },
          { text: `🔒 Access check at start-up:\n\n${lines.join('\n\n')}`, format: 'plain' },
        );
        if (!d.ok) log.warn({ reason: d.reason }, 'could not tell the owner what the access check paused');
      }
      return ended;
    },
  };
}
