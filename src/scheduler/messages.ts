import type { Keyboard } from '../core/outbox.ts';
import type { Job } from './job.ts';
import { describeSchedule } from './schedule.ts';
import { formatIn, formatLocal } from './zoned.ts';

/** Callback data for reminder buttons: `rem:s:<10m|1h|tm>:<jobId>:<scheduledFor>` and `rem:d:<jobId>:<scheduledFor>`. */
export function reminderKeyboard(jobId: string, scheduledFor: number): Keyboard {
  const key = `${jobId}:${scheduledFor}`;
  return [
    [
      { text: '💤 10 min', data: `rem:s:10m:${key}` },
      { text: '💤 1 h', data: `rem:s:1h:${key}` },
      { text: '💤 Tomorrow', data: `rem:s:tm:${key}` },
    ],
    [{ text: '✅ Done', data: `rem:d:${key}` }],
  ];
}

/** Keep / Cancel under a freshly created schedule. */
export function createdKeyboard(jobId: string): Keyboard {
  return [
    [
      { text: '✅ Keep', data: `job:k:${jobId}` },
      { text: '✖️ Cancel', data: `job:c:${jobId}` },
    ],
  ];
}

export function quote(text: string, max = 200): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return `“${t.length > max ? `${t.slice(0, max - 1)}…` : t}”`;
}

/** The confirmation shown after creating (and in the tool result): resolved local time and the next three runs. */
export function createdSummary(job: Job, runs: number[], notes: string[], now: number): string {
  const tz = job.timezone;
  const what = job.kind === 'reminder' ? 'Reminder' : 'Scheduled task';
  const lines: string[] = [];
  if (job.schedule.type === 'once') {
    const at = runs[0] ?? job.schedule.at;
    lines.push(`⏰ ${what} set for ${formatLocal(at, tz, now)} (${tz}), ${formatIn(at - now)}: ${quote(job.text)}`);
  } else {
    lines.push(`🔁 ${what} ${describeSchedule(job.schedule, now, tz)} (${tz}): ${quote(job.text)}`);
    lines.push(`Next: ${runs.map((r) => formatLocal(r, tz, now)).join(' · ')}`);
  }
  lines.push(...notes);
  return lines.join('\n');
}

/** One job as a line in /jobs and schedule_list. */
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

export const PAUSE_REASONS = {
  blocked: 'the bot is blocked in this chat. Unblock it, then tap Resume in /jobs',
  chat_not_found: "Telegram can't find this chat (deleted, or the bot was removed). Add the bot back, then Resume in /jobs",
  byUser: 'paused by you',
} as const;
