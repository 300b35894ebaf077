import { type SnoozeChoice, cardCancelOf, jobData, reminderData } from '../core/keys/callback-data.ts';
import type { Keyboard } from '../core/outbox.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Job } from './job.ts';
import { describeSchedule, nextRunAfter } from './schedule.ts';
import { schedulerTexts } from './scheduler-texts.ts';
import { addDays, formatClock, formatIn, formatLocal, wallTimeOf } from '../core/zoned-time.ts';

/** Reminder buttons: `rem:s:<10m|1h|tm>:<jobId>:<scheduledFor>` (snooze) and `rem:d:<jobId>:<scheduledFor>` (done). */
export function reminderKeyboard(jobId: string, scheduledFor: number, locale: Locale = 'en'): Keyboard {
  const snooze = (choice: SnoozeChoice) => reminderData.encode({ action: 'snooze', choice, id: jobId, scheduledFor });
  const t = schedulerTexts(locale);
  return [
    [
      { text: t.snooze10m, data: snooze('10m') },
      { text: t.snooze1h, data: snooze('1h') },
    ],
    [
      { text: t.snoozeTomorrow, data: snooze('tm') },
      { text: t.done, data: reminderData.encode({ action: 'done', id: jobId, scheduledFor }) },
    ],
  ];
}

/** What the card's button does, in words: "Cancel reminder" or "Cancel task" (with the name when several share a message). */
export function cancelLabel(job: Job, named: boolean, locale: Locale = 'en'): string {
  const t = schedulerTexts(locale);
  if (named) return t.cancelNamed({ title: title(job.text, 24) });
  return job.kind === 'reminder' ? t.cancelReminder : t.cancelTask;
}

/**
 * The buttons under confirmation cards: one "Cancel reminder" per job, by id. `solo` marks a message that is only
 * this one card (`job:x:<id>`; it may be rewritten when the job fires or is deleted); `job:c:<id>` sits under a
 * message with other content (only its buttons are ever changed).
 */
export function cardKeyboard(jobs: Job[], solo: boolean, locale: Locale = 'en'): Keyboard {
  const named = jobs.length > 1;
  return jobs.map((job) => [
    {
      text: cancelLabel(job, named, locale),
      data: jobData.encode({ type: 'job', action: solo && !named ? 'x' : 'c', id: job.id, inDetails: false }),
    },
  ]);
}

/** Callback data of a card's cancel button → job id and whether the message is the card alone. */
export function parseCardData(data: string): { jobId: string; solo: boolean } | undefined {
  return cardCancelOf(data);
}

export function quote(text: string, max = 200): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return `“${t.length > max ? `${t.slice(0, max - 1)}…` : t}”`;
}

/** The job's text as a short title: one line, first letter upper-case, cut at `max`. */
export function title(text: string, max = 60): string {
  const t = text.trim().replace(/\s+/g, ' ');
  const cut = t.length > max ? `${t.slice(0, max - 1)}…` : t;
  return cut.charAt(0).toUpperCase() + cut.slice(1);
}

/** The confirmation shown after creating (and in the tool result): resolved local time and the next three runs. */
export function createdSummary(job: Job, runs: number[], notes: string[], now: number, locale: Locale = 'en'): string {
  const tz = job.timezone;
  const t = schedulerTexts(locale);
  const what = job.kind === 'reminder' ? t.reminderNoun : t.taskNoun;
  const text = quote(job.text);
  const lines: string[] = [];
  if (job.schedule.type === 'once') {
    const at = runs[0] ?? job.schedule.at;
    const when = { at: formatLocal(at, tz, now, locale), in: formatIn(at - now, locale) };
    lines.push(t.setOnce({ what, ...when, zone: tz, text }));
  } else {
    // The stored description is English; other languages say simple schedules in their own words.
    const plain = locale === 'en' ? undefined : cronPlain(job.schedule.expression, locale);
    const schedule = plain ?? describeSchedule(job.schedule, now, tz);
    lines.push(t.setRepeating({ task: job.kind === 'prompt', schedule, zone: tz, text }));
    lines.push(t.nextRuns({ runs: runs.map((r) => formatLocal(r, tz, now, locale)).join(' · ') }));
  }
  lines.push(...notes);
  return lines.join('\n');
}

/** One job as a line for approval prompts and the model's list. */
export function jobLine(job: Job, now: number): string {
  const tz = job.timezone;
  const icon = job.kind === 'reminder' ? '⏰' : '🗓';
  const when =
    job.schedule.type === 'once' ? formatLocal(job.schedule.at, tz, now) : describeSchedule(job.schedule, now, tz);
  let state: string;
  if (!job.enabled) state = `⏸ paused${job.pausedReason ? `: ${job.pausedReason}` : ''}`;
  else if (job.nextRunAt !== null) state = `next ${formatLocal(job.nextRunAt, tz, now)}`;
  else state = 'no upcoming run';
  const last =
    job.lastStatus && job.lastStatus !== 'delivered' && job.lastStatus !== 'awaiting_approval'
      ? ` · last run ${job.lastStatus}${job.lastError ? ` (${job.lastError})` : ''}`
      : '';
  return `${icon} ${quote(job.text, 80)} — ${job.schedule.type === 'once' ? '' : `${when}, `}${state}${last}`;
}

const dayShort = (locale: Locale) => schedulerTexts(locale).daysShort.split(',');

/** A moment as people say it: "today 09:00", "tomorrow 09:00", "Fri 09:00" (this week), else "Fri 21 Mar 09:00". */
export function whenPlain(ms: number, timezone: string, now: number, locale: Locale = 'en'): string {
  const t = schedulerTexts(locale);
  const w = wallTimeOf(ms, timezone);
  const today = wallTimeOf(now, timezone);
  const clock = formatClock(ms, timezone);
  const same = (d: { year: number; month: number; day: number }) =>
    d.year === w.year && d.month === w.month && d.day === w.day;
  if (same(today)) return `${t.today} ${clock}`;
  if (same(addDays(today, 1))) return `${t.tomorrow} ${clock}`;
  for (let i = 2; i < 7; i++) if (same(addDays(today, i))) return `${dayShort(locale)[w.weekday]} ${clock}`;
  return `${formatLocal(ms, timezone, now, locale).replace(',', '')}`;
}

/** A past or coming moment for "at …": "09:00" today, else as `whenPlain` ("Fri 09:00"). */
export function atPlain(ms: number, timezone: string, now: number, locale: Locale = 'en'): string {
  const today = `${schedulerTexts(locale).today} `;
  const plain = whenPlain(ms, timezone, now, locale);
  return plain.startsWith(today) ? plain.slice(today.length) : plain;
}

/** A simple cron schedule in words ("Mondays 08:00", "Weekdays 07:30"), or undefined for anything fancier. */
export function cronPlain(expression: string, locale: Locale = 'en'): string | undefined {
  const [min, hour, dom, month, dow, extra] = expression.trim().split(/\s+/);
  if (
    extra !== undefined ||
    dom !== '*' ||
    month !== '*' ||
    !/^\d{1,2}$/.test(min ?? '') ||
    !/^\d{1,2}$/.test(hour ?? '')
  )
    return undefined;
  const at = `${hour!.padStart(2, '0')}:${min!.padStart(2, '0')}`;
  const days = dowSet(dow ?? '');
  if (!days) return undefined;
  const key = [...days].sort().join(',');
  const t = schedulerTexts(locale);
  if (days.size === 7) return `${t.everyDay} ${at}`;
  if (key === '1,2,3,4,5') return `${t.weekdays} ${at}`;
  if (key === '0,6') return `${t.weekends} ${at}`;
  if (days.size === 1) return `${t.daysPlural.split(',')[[...days][0]!]} ${at}`;
  return `${[...days]
    .sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7))
    .map((d) => dayShort(locale)[d])
    .join(', ')} ${at}`;
}

/** The weekdays (0 = Sunday) a cron day-of-week field names, or undefined when it isn't a plain list or range. */
export function dowSet(field: string): Set<number> | undefined {
  if (field === '*') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const range = /^(\d)(?:-(\d))?$/.exec(part);
    if (!range) return undefined;
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (from > 7 || to > 7 || to < from) return undefined;
    for (let d = from; d <= to; d++) out.add(d % 7);
  }
  return out;
}

/** When a job runs, in plain words: "Fri 09:00" or "Mondays 08:00". */
export function schedulePlain(job: Job, now: number, locale: Locale = 'en'): string {
  const tz = job.timezone;
  const t = schedulerTexts(locale);
  if (job.schedule.type === 'once') return whenPlain(job.schedule.at, tz, now, locale);
  const plain = cronPlain(job.schedule.expression, locale);
  if (plain) return plain;
  const next = job.nextRunAt ?? nextRunAfter(job.schedule, now);
  return next !== null ? t.customNext({ next: whenPlain(next, tz, now, locale) }) : t.custom;
}

/** ⏰ one-time reminder, 🔁 repeating reminder, 🗓 task (a request I answer at that time). */
export function jobIcon(job: Job): string {
  if (job.kind === 'prompt') return '🗓';
  return job.schedule.type === 'once' ? '⏰' : '🔁';
}

/** A job in /jobs: "⏰ Call mom — Fri 09:00", plus its time zone unless it is the viewer's, and its state. */
export function listLine(
  job: Job,
  now: number,
  options: { zone?: string; creator?: string } = {},
  locale: Locale = 'en',
): string {
  const t = schedulerTexts(locale);
  if (job.deletedAt !== null) return `🗑 ${title(job.text)} — ${t.deletedMark}`;
  const parts = [`${jobIcon(job)} ${title(job.text)} — ${schedulePlain(job, now, locale)}`];
  if (options.zone !== job.timezone) parts[0] += ` (${job.timezone})`;
  if (!job.enabled) parts.push(t.paused);
  else if (job.lastStatus === 'failed') parts.push(t.lastRunFailed);
  if (options.creator) parts.push(t.by({ name: options.creator }));
  return parts.join(' · ');
}

/** A solo card after its job has run for the last time or was deleted (no buttons any more). */
export function settledCardText(job: Job, now: number, locale: Locale = 'en'): string | undefined {
  const t = schedulerTexts(locale);
  if (job.deletedAt !== null)
    return `🗑 ${t.deletedCard} ${jobIcon(job)} ${title(job.text)} — ${schedulePlain(job, now, locale)}`;
  if (job.completedAt !== null && job.lastRunAt !== null) {
    const at = atPlain(job.lastRunAt, job.timezone, now, locale);
    const status =
      job.lastStatus === 'missed' || job.lastStatus === 'skipped'
        ? t.missedAt({ at })
        : job.lastStatus === 'failed'
          ? t.failedAt({ at })
          : job.kind === 'reminder'
            ? t.sentAt({ at })
            : t.doneAt({ at });
    return `${jobIcon(job)} ${title(job.text)}\n${status}`;
  }
  return undefined;
}

/** The line that says a job was deleted (the Undo button goes with it). */
export function deletedText(job: Job, now: number, locale: Locale = 'en'): string {
  const t = schedulerTexts(locale);
  return `🗑 ${t.deletedCard} ${jobIcon(job)} ${title(job.text)} — ${schedulePlain(job, now, locale)}. ${t.undoWithin}`;
}

/** The line that says a job is back after Undo. */
export function restoredText(job: Job, now: number, locale: Locale = 'en'): string {
  return `↩️ ${schedulerTexts(locale).restored} ${jobIcon(job)} ${title(job.text)} — ${schedulePlain(job, now, locale)}`;
}

/** Escapes text for the Markdown answers of a turn (cards join the model's answer there). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|~<>&]/g, (c) => `\\${c}`);
}

const english = schedulerTexts('en');

/** Pause reasons stored with a job (English; shown translated by `pausedReasonText`). */
export const PAUSE_REASONS = {
  blocked: english.reasonBlocked,
  chat_not_found: english.reasonChatNotFound,
  byUser: english.reasonByUser,
  accessEnded: english.reasonAccessEnded,
  unreadable: english.reasonUnreadable,
} as const;

/** A stored pause reason in `locale`, when it is one of the known reasons (others stay as stored). */
export function pausedReasonText(reason: string, locale: Locale): string {
  const t = schedulerTexts(locale);
  const known: Record<string, string> = {
    [PAUSE_REASONS.blocked]: t.reasonBlocked,
    [PAUSE_REASONS.chat_not_found]: t.reasonChatNotFound,
    [PAUSE_REASONS.byUser]: t.reasonByUser,
    [PAUSE_REASONS.accessEnded]: t.reasonAccessEnded,
    [PAUSE_REASONS.unreadable]: t.reasonUnreadable,
  };
  return known[reason] ?? reason;
}
