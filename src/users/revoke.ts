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
import type { Locale } from '../i18n/locale.ts';
import { revokeTexts } from './revoke-texts.ts';

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
export function describeAccessEnded(ended: AccessEnded, readmit?: string, locale: Locale = 'en'): string | undefined {
  const t = revokeTexts(locale);
  const parts: string[] = [];
  const n = ended.paused.length;
  if (n > 0) {
    const shown = ended.paused.slice(0, 5).map((j) => `${j.kind === 'reminder' ? '⏰' : '🗓'} “${clip(j.text, 60)}”`);
    parts.push(t.pausedJobs({ n, shown: shown.join(', '), more: n - shown.length }));
  }
  const open = ended.cancelled.approvals + ended.cancelled.questions;
  if (open > 0) parts.push(t.cancelledRequests({ n: open }));
  if (parts.length === 0) return undefined;
  return t.summary({ parts, readmit: readmit ?? t.readmitUsers });
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

  async function nameOf(userId: number, locale: Locale): Promise<string> {
    const u = await users.get(userId);
    const name = u?.firstName?.trim() || (u?.username ? `@${u.username}` : undefined);
    return name ? `${name} [id ${userId}]` : revokeTexts(locale).userN({ id: userId });
  }

  /** The owner's language: the summaries are theirs. */
  async function ownerLocale(): Promise<Locale> {
    const ownerId = await users.ownerId();
    return ownerId === undefined ? 'en' : users.localeOf(ownerId);
  }

  return {
    endAccess,

    async onAccessChange(change) {
      try {
        if (await users.isServed(change.userId)) return undefined;
        return describeAccessEnded(await endAccess(change.userId), undefined, await ownerLocale());
      } catch (err) {
        log.error(
          { err: toError(err), target_user: change.userId },
          'could not stop the work of a user whose access ended',
        );
        return revokeTexts(await ownerLocale().catch(() => 'en' as const)).failed;
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
      const locale = await ownerLocale();
      const t = revokeTexts(locale);
      for (const userId of candidates) {
        if (await users.isServed(userId)) continue;
        const result = await endAccess(userId);
        ended.push(result);
        const listed = dropped.includes(userId);
        const what = describeAccessEnded(result, listed ? t.readmitAllowlist : undefined, locale);
        const why = listed ? t.notListed : t.noAccess;
        if (what) lines.push(`• ${await nameOf(userId, locale)} ${why}. ${what}`);
      }
      const ownerId = await users.ownerId();
      if (lines.length > 0 && ownerId !== undefined) {
        const d = await outbox.send(
          { chatId: ownerId },
          { text: t.startupCheck({ lines: lines.join('\n\n') }), format: 'plain' },
        );
        if (!d.ok) log.warn({ reason: d.reason }, 'could not tell the owner what the access check paused');
      }
      return ended;
    },
  };
}
