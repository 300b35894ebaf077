import type { Keyboard, OutMessage } from '../../core/outbox.ts';
import type { Job } from '../../scheduler/job.ts';
import { jobIcon, listLine, schedulePlain, title } from '../../scheduler/messages.ts';
import { describeSchedule, nextRuns } from '../../scheduler/schedule.ts';
import { formatLocal } from '../../core/zoned-time.ts';
import { undoButton } from '../undo.ts';

/** Undo kind of a job deleted from /jobs: the list is drawn again after Undo. */
export const UNDO_IN_LIST = 'jl';

/** Who is looking: the zone times are read in, and (in groups) the names of the people who set the jobs. */
export interface Viewer {
  group: boolean;
  zone?: string;
  names: Map<number, string>;
}

/** The button row of one job: Pause or Resume, Change time, Delete (`:v` when pressed in the details view). */
export function actionRow(job: Job, inDetails = false): Keyboard[number] {
  const v = inDetails ? ':v' : '';
  return [
    job.enabled ? { text: '⏸ Pause', data: `job:p:${job.id}${v}` } : { text: '▶️ Resume', data: `job:r:${job.id}${v}` },
    { text: '🕑 Change time', data: `job:t:${job.id}` },
    { text: '🗑 Delete', data: `job:d:${job.id}${v}` },
  ];
}

/** The label of a job's title button (tap: its details). */
function titleLabel(job: Job, now: number): string {
  return `${job.enabled ? jobIcon(job) : '⏸'} ${title(job.text, 28)} — ${schedulePlain(job, now)}`;
}

/**
 * The /jobs message: one line per job in plain words ("⏰ Call mom — Fri 09:00"), and under it each job's own
 * buttons: its title (details) and Pause/Resume · Change time · Delete. A job deleted a moment ago shows Undo.
 */
export function renderJobList(jobs: Job[], page: number, pageSize: number, now: number, viewer: Viewer): OutMessage {
  if (jobs.length === 0) {
    return {
      text: `${viewer.group ? 'No reminders or scheduled tasks in this group yet.' : 'You have no reminders or scheduled tasks here yet.'}\nAsk me, e.g. "remind me in 20 minutes to stretch" or "every weekday at 8:00 send me a briefing".`,
      format: 'plain',
    };
  }
  const pages = Math.ceil(jobs.length / pageSize);
  const p = Math.min(Math.max(0, page), pages - 1);
  const slice = jobs.slice(p * pageSize, (p + 1) * pageSize);
  const live = jobs.filter((j) => j.deletedAt === null).length;
  const lines = slice.map((job) =>
    listLine(job, now, {
      ...(viewer.zone ? { zone: viewer.zone } : {}),
      ...(viewer.group && viewer.names.has(job.ownerUserId) ? { creator: viewer.names.get(job.ownerUserId)! } : {}),
    }),
  );
  const keyboard: Keyboard = [];
  for (const job of slice) {
    if (job.deletedAt !== null && job.undoToken) {
      keyboard.push([undoButton(UNDO_IN_LIST, job.undoToken, `↩️ Undo: ${title(job.text, 28)}`)]);
      continue;
    }
    keyboard.push([{ text: titleLabel(job, now), data: `job:v:${job.id}` }]);
    keyboard.push(actionRow(job));
  }
  if (pages > 1) {
    const nav = [];
    if (p > 0) nav.push({ text: '« Previous', data: `job:l:${p - 1}` });
    nav.push({ text: `Page ${p + 1} of ${pages}`, data: `job:l:${p}` });
    if (p < pages - 1) nav.push({ text: 'Next »', data: `job:l:${p + 1}` });
    keyboard.push(nav);
  }
  const header = viewer.group
    ? `Reminders and tasks in this group (${live}):`
    : `Your reminders and tasks here (${live}):`;
  return { text: [header, '', ...lines].join('\n'), format: 'plain', keyboard };
}

/** One job in full: when (with its zone), the next runs, who set it, why it is paused, how its last run went. */
export function renderJobDetails(job: Job, now: number, viewer: Viewer): OutMessage {
  const tz = job.timezone;
  const lines = [`${jobIcon(job)} ${title(job.text, 300)}`];
  if (job.schedule.type === 'once') lines.push(`When: ${formatLocal(job.schedule.at, tz, now)} (${tz})`);
  else {
    lines.push(`When: ${describeSchedule(job.schedule, now, tz)} (${tz})`);
    if (job.enabled)
      lines.push(
        `Next: ${nextRuns(job.schedule, now, 3)
          .map((r) => formatLocal(r, tz, now))
          .join(' · ')}`,
      );
  }
  if (job.kind === 'prompt') lines.push('At that time I answer it as a request and post the answer here.');
  if (viewer.group && viewer.names.has(job.ownerUserId)) lines.push(`Set by ${viewer.names.get(job.ownerUserId)}`);
  if (!job.enabled) lines.push(`⏸ Paused${job.pausedReason ? `: ${job.pausedReason}` : ''}`);
  if (job.lastStatus === 'failed' && job.lastError) lines.push(`Last run failed: ${job.lastError.slice(0, 200)}`);
  return {
    text: lines.join('\n'),
    format: 'plain',
    keyboard: [
      actionRow(job, true),
      [
        { text: '⚡ Run now', data: `job:n:${job.id}:v` },
        { text: '« All jobs', data: 'job:l:0' },
      ],
    ],
  };
}
