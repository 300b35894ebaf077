import { type JobAction, jobData } from '../../core/keys/callback-data.ts';
import type { Keyboard, OutMessage } from '../../core/outbox.ts';
import type { Locale } from '../../i18n/locale.ts';
import type { Job } from '../../scheduler/job.ts';
import { cronPlain, jobIcon, listLine, pausedReasonText, schedulePlain, title } from '../../scheduler/messages.ts';
import { describeSchedule, nextRuns } from '../../scheduler/schedule.ts';
import { formatLocal } from '../../core/zoned-time.ts';
import { undoButton } from '../undo.ts';
import { jobsTexts } from './jobs-texts.ts';

/** Undo kind of a job deleted from /jobs: the list is drawn again after Undo. */
export const UNDO_IN_LIST = 'jl';

/** Who is looking: the zone times are read in, and (in groups) the names of the people who set the jobs. */
export interface Viewer {
  group: boolean;
  /** The language the viewer reads (default English). */
  locale?: Locale;
  zone?: string;
  names: Map<number, string>;
}

/** The button row of one job: Pause or Resume, Change time, Delete (`:v` when pressed in the details view). */
export function actionRow(job: Job, inDetails = false, locale: Locale = 'en'): Keyboard[number] {
  const data = (action: JobAction, v = inDetails) => jobData.encode({ type: 'job', action, id: job.id, inDetails: v });
  const t = jobsTexts(locale);
  return [
    job.enabled ? { text: t.pause, data: data('p') } : { text: t.resume, data: data('r') },
    { text: t.changeTime, data: data('t', false) },
    { text: t.delete, data: data('d') },
  ];
}

/** The label of a job's title button (tap: its details). */
function titleLabel(job: Job, now: number, locale: Locale): string {
  return `${job.enabled ? jobIcon(job) : '⏸'} ${title(job.text, 28)} — ${schedulePlain(job, now, locale)}`;
}

/**
 * The /jobs message: one line per job in plain words ("⏰ Call mom — Fri 09:00"), and under it each job's own
 * buttons: its title (details) and Pause/Resume · Change time · Delete. A job deleted a moment ago shows Undo.
 */
export function renderJobList(jobs: Job[], page: number, pageSize: number, now: number, viewer: Viewer): OutMessage {
  const locale = viewer.locale ?? 'en';
  const t = jobsTexts(locale);
  if (jobs.length === 0) {
    return { text: `${viewer.group ? t.emptyGroup : t.emptyPrivate}\n${t.emptyHint}`, format: 'plain' };
  }
  const pages = Math.ceil(jobs.length / pageSize);
  const p = Math.min(Math.max(0, page), pages - 1);
  const slice = jobs.slice(p * pageSize, (p + 1) * pageSize);
  const live = jobs.filter((j) => j.deletedAt === null).length;
  const lines = slice.map((job) =>
    listLine(
      job,
      now,
      {
        ...(viewer.zone ? { zone: viewer.zone } : {}),
        ...(viewer.group && viewer.names.has(job.ownerUserId) ? { creator: viewer.names.get(job.ownerUserId)! } : {}),
      },
      locale,
    ),
  );
  const keyboard: Keyboard = [];
  for (const job of slice) {
    if (job.deletedAt !== null && job.undoToken) {
      keyboard.push([undoButton(UNDO_IN_LIST, job.undoToken, t.undoNamed({ title: title(job.text, 28) }))]);
      continue;
    }
    const details = jobData.encode({ type: 'job', action: 'v', id: job.id, inDetails: false });
    keyboard.push([{ text: titleLabel(job, now, locale), data: details }]);
    keyboard.push(actionRow(job, false, locale));
  }
  if (pages > 1) {
    const nav = [];
    if (p > 0) nav.push({ text: t.previous, data: jobData.encode({ type: 'page', page: p - 1 }) });
    nav.push({ text: t.pageOf({ page: p + 1, pages }), data: jobData.encode({ type: 'page', page: p }) });
    if (p < pages - 1) nav.push({ text: t.next, data: jobData.encode({ type: 'page', page: p + 1 }) });
    keyboard.push(nav);
  }
  const header = viewer.group ? t.headerGroup({ n: live }) : t.headerPrivate({ n: live });
  return { text: [header, '', ...lines].join('\n'), format: 'plain', keyboard };
}

/** One job in full: when (with its zone), the next runs, who set it, why it is paused, how its last run went. */
export function renderJobDetails(job: Job, now: number, viewer: Viewer): OutMessage {
  const tz = job.timezone;
  const locale = viewer.locale ?? 'en';
  const t = jobsTexts(locale);
  const lines = [`${jobIcon(job)} ${title(job.text, 300)}`];
  if (job.schedule.type === 'once')
    lines.push(t.when({ when: `${formatLocal(job.schedule.at, tz, now, locale)} (${tz})` }));
  else {
    const plain = locale === 'en' ? undefined : cronPlain(job.schedule.expression, locale);
    lines.push(t.when({ when: `${plain ?? describeSchedule(job.schedule, now, tz)} (${tz})` }));
    if (job.enabled) {
      const runs = nextRuns(job.schedule, now, 3).map((r) => formatLocal(r, tz, now, locale));
      lines.push(t.nextRuns({ runs: runs.join(' · ') }));
    }
  }
  if (job.kind === 'prompt') lines.push(t.promptNote);
  const owner = viewer.names.get(job.ownerUserId);
  if (viewer.group && owner !== undefined) lines.push(t.setBy({ name: owner }));
  if (!job.enabled)
    lines.push(t.pausedLine(job.pausedReason ? { reason: pausedReasonText(job.pausedReason, locale) } : {}));
  if (job.lastStatus === 'failed' && job.lastError) lines.push(t.lastRunFailed({ error: job.lastError.slice(0, 200) }));
  return {
    text: lines.join('\n'),
    format: 'plain',
    keyboard: [
      actionRow(job, true, locale),
      [
        { text: t.runNow, data: jobData.encode({ type: 'job', action: 'n', id: job.id, inDetails: true }) },
        { text: t.allJobs, data: jobData.encode({ type: 'page', page: 0 }) },
      ],
    ],
  };
}
