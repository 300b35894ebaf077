import { z } from 'zod';
import { callbackCodec, colonSchema } from './codec.ts';

/**
 * Every inline button's `callback_data`, one typed codec per kind. Buttons carry ids only, never text; each decode
 * is zod-validated and limited to Telegram's 64 bytes. Approval prompts have their own codec in
 * src/approvals/callback-data.ts (`ap:` / `q:`); feature-local views (`mem:`, `why:`, `pm:`, `gs:`) keep theirs.
 */

const UPDATE_ID = '\\d{1,15}';
/** Job ids as the scheduler makes them. */
const JOB_ID = '[A-Za-z0-9_-]{1,40}';

/** ⏹ Stop under a streaming reply: `sys:stop:<updateId>` (the update whose turn it stops). */
export const stopData = callbackCodec<number>({
  name: 'stop button',
  prefix: 'sys:stop:',
  schema: colonSchema(new RegExp(`^sys:stop:${UPDATE_ID}$`), (p) => Number(p[2])),
  format: (updateId) => `sys:stop:${updateId}`,
});

/** 🔁 Retry of a failed update: `sys:retry:<updateId>`. */
export const retryData = callbackCodec<number>({
  name: 'retry button',
  prefix: 'sys:retry:',
  schema: colonSchema(new RegExp(`^sys:retry:${UPDATE_ID}$`), (p) => Number(p[2])),
  format: (updateId) => `sys:retry:${updateId}`,
});

/** ▶️ Continue after a step or token limit: `sys:cont:<updateId>`. */
export const continueData = callbackCodec<number>({
  name: 'continue button',
  prefix: 'sys:cont:',
  schema: colonSchema(new RegExp(`^sys:cont:${UPDATE_ID}$`), (p) => Number(p[2])),
  format: (updateId) => `sys:cont:${updateId}`,
});

/** Either one-shot turn button (Retry or Continue), as the journal compares earlier presses. */
export function turnButtonOf(data: string | undefined): { action: 'retry' | 'cont'; updateId: number } | undefined {
  const retry = retryData.decode(data);
  if (retry !== undefined) return { action: 'retry', updateId: retry };
  const cont = continueData.decode(data);
  return cont === undefined ? undefined : { action: 'cont', updateId: cont };
}

/** What an access button does: `y`/`n` answer a request prompt; `a` (allow), `d` (deny), `r` (revoke) come from /users. */
export type AccessAction = 'y' | 'n' | 'a' | 'd' | 'r';

/**
 * Access buttons: `sys:acc:<action>:<userId>:<version>`. The version is the user's access version when the button
 * was made: a button older than the current state does nothing.
 */
export const accessData = callbackCodec<{ action: AccessAction; userId: number; version: number }>({
  name: 'access button',
  prefix: 'sys:acc:',
  schema: colonSchema(/^sys:acc:[ynadr]:\d{1,15}:\d{1,9}$/, (p) => ({
    action: p[2] as AccessAction,
    userId: Number(p[3]),
    version: Number(p[4]),
  })),
  format: (v) => `sys:acc:${v.action}:${v.userId}:${v.version}`,
});

/** A time-zone choice: `sys:tz:<IANA zone>` (the zone itself is checked by the handler). */
export const timeZoneData = callbackCodec<string>({
  name: 'time zone button',
  prefix: 'sys:tz:',
  schema: z
    .string()
    .regex(/^sys:tz:[A-Za-z0-9_+\-/]{1,56}$/)
    .transform((s) => s.slice('sys:tz:'.length)),
  format: (zone) => `sys:tz:${zone}`,
});

/** A snooze choice under a reminder. */
export type SnoozeChoice = '10m' | '1h' | 'tm';

/** Reminder buttons: `rem:s:<10m|1h|tm>:<jobId>:<scheduledFor>` (snooze) and `rem:d:<jobId>:<scheduledFor>` (done). */
export type ReminderPress =
  | { action: 'snooze'; choice: SnoozeChoice; id: string; scheduledFor: number }
  | { action: 'done'; id: string; scheduledFor: number };

export const reminderData = callbackCodec<ReminderPress>({
  name: 'reminder button',
  prefix: 'rem:',
  schema: z.union([
    colonSchema(new RegExp(`^rem:s:(10m|1h|tm):${JOB_ID}:${UPDATE_ID}$`), (p) => ({
      action: 'snooze' as const,
      choice: p[2] as SnoozeChoice,
      id: p[3]!,
      scheduledFor: Number(p[4]),
    })),
    colonSchema(new RegExp(`^rem:d:${JOB_ID}:${UPDATE_ID}$`), (p) => ({
      action: 'done' as const,
      id: p[2]!,
      scheduledFor: Number(p[3]),
    })),
  ]),
  format: (v) =>
    v.action === 'snooze' ? `rem:s:${v.choice}:${v.id}:${v.scheduledFor}` : `rem:d:${v.id}:${v.scheduledFor}`,
});

/** What a job button does (see src/telegram/features/jobs.ts); `c`/`x` are the confirmation card's Cancel. */
export const JOB_ACTIONS = ['v', 'p', 'r', 'n', 'd', 'y', 't', 'q', 'k', 'c', 'x'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/** Job buttons: `job:<action>:<jobId>[:v]` (`:v` = pressed in the details view) and `job:l:<page>` (/jobs list). */
export type JobPress =
  | { type: 'job'; action: JobAction; id: string; inDetails: boolean }
  | { type: 'page'; page: number };

export const jobData = callbackCodec<JobPress>({
  name: 'job button',
  prefix: 'job:',
  schema: z.union([
    colonSchema(new RegExp(`^job:(${JOB_ACTIONS.join('|')}):${JOB_ID}(:v)?$`), (p) => ({
      type: 'job' as const,
      action: p[1] as JobAction,
      id: p[2]!,
      inDetails: p[3] === 'v',
    })),
    colonSchema(/^job:l:\d{1,3}$/, (p) => ({ type: 'page' as const, page: Number(p[2]) })),
  ]),
  format: (v) => (v.type === 'page' ? `job:l:${v.page}` : `job:${v.action}:${v.id}${v.inDetails ? ':v' : ''}`),
});

/** A confirmation card's Cancel button: `job:x:<id>` (the message is the card alone) or `job:c:<id>`. */
export function cardCancelOf(data: string | undefined): { jobId: string; solo: boolean } | undefined {
  const press = jobData.decode(data);
  if (press?.type !== 'job' || (press.action !== 'c' && press.action !== 'x') || press.inDetails) return undefined;
  return { jobId: press.id, solo: press.action === 'x' };
}

/** ↩️ Undo of one deletion: `u:<kind>:<token>` (`kind`: 1-3 lower-case letters naming the handler and view). */
export const undoData = callbackCodec<{ kind: string; token: string }>({
  name: 'undo button',
  prefix: 'u:',
  schema: colonSchema(/^u:[a-z]{1,3}:[A-Za-z0-9_-]{6,48}$/, (p) => ({ kind: p[1]!, token: p[2]! })),
  format: (v) => `u:${v.kind}:${v.token}`,
});

/**
 * A /start or /settings button: `sys:help`, `sys:set:tz`, `sys:set:progress`, `sys:set:lang`,
 * `sys:set:transcripts:on|off`. (The /language menu's own `sys:lang:<choice>` lives in its feature.)
 */
export type SettingsPress =
  | { setting: 'help' }
  | { setting: 'tz' }
  | { setting: 'progress' }
  | { setting: 'lang' }
  | { setting: 'transcripts'; on: boolean };

export const settingsData = callbackCodec<SettingsPress>({
  name: 'settings button',
  prefix: 'sys:',
  schema: z.union([
    z.literal('sys:help').transform(() => ({ setting: 'help' as const })),
    z.literal('sys:set:tz').transform(() => ({ setting: 'tz' as const })),
    z.literal('sys:set:progress').transform(() => ({ setting: 'progress' as const })),
    z.literal('sys:set:lang').transform(() => ({ setting: 'lang' as const })),
    colonSchema(/^sys:set:transcripts:(on|off)$/, (p) => ({ setting: 'transcripts' as const, on: p[3] === 'on' })),
  ]),
  format: (v) =>
    v.setting === 'help'
      ? 'sys:help'
      : v.setting === 'transcripts'
        ? `sys:set:transcripts:${v.on ? 'on' : 'off'}`
        : `sys:set:${v.setting}`,
});

/** The exact data of one settings button (grammY routes a string by equality). */
export const settingsButton = (press: SettingsPress): string => settingsData.encode(press);

/** Library document ids and citation ids as the knowledge base makes them. */
const DOC_ID = '[A-Za-z0-9_-]{1,40}';
const CITATION_ID = '[A-Za-z0-9_.-]{1,48}';

/**
 * Library buttons (`/docs`, document cards, citations): `kb:c:<citationId>` (send the quoted passage),
 * `kb:l:<page>` (a /docs page), `kb:a:<docId>` (Ask about it), and for one document `kb:d|y|n:<docId>[:<page>]`
 * (Delete → confirm Yes / No; with a page when pressed in /docs, without on a document card).
 */
export type LibraryPress =
  | { action: 'cite'; citationId: string }
  | { action: 'page'; page: number }
  | { action: 'ask'; docId: string }
  | { action: 'delete' | 'confirm' | 'keep'; docId: string; page?: number };

const DOC_ACTIONS = { d: 'delete', y: 'confirm', n: 'keep' } as const;
const DOC_LETTERS = { delete: 'd', confirm: 'y', keep: 'n' } as const;

export const libraryData = callbackCodec<LibraryPress>({
  name: 'library button',
  prefix: 'kb:',
  schema: z.union([
    colonSchema(new RegExp(`^kb:c:${CITATION_ID}$`), (p) => ({ action: 'cite' as const, citationId: p[2]! })),
    colonSchema(/^kb:l:\d{1,4}$/, (p) => ({ action: 'page' as const, page: Number(p[2]) })),
    colonSchema(new RegExp(`^kb:a:${DOC_ID}$`), (p) => ({ action: 'ask' as const, docId: p[2]! })),
    colonSchema(new RegExp(`^kb:[dyn]:${DOC_ID}(:\\d{1,4})?$`), (p) => ({
      action: DOC_ACTIONS[p[1] as keyof typeof DOC_ACTIONS],
      docId: p[2]!,
      ...(p[3] !== undefined ? { page: Number(p[3]) } : {}),
    })),
  ]),
  format: (v) => {
    switch (v.action) {
      case 'cite':
        return `kb:c:${v.citationId}`;
      case 'page':
        return `kb:l:${v.page}`;
      case 'ask':
        return `kb:a:${v.docId}`;
      default:
        return `kb:${DOC_LETTERS[v.action]}:${v.docId}${v.page !== undefined ? `:${v.page}` : ''}`;
    }
  },
});

/** 🧮 Show code under an answer whose model ran code: `code:<turnId>` (that turn's stored answer in this chat). */
export const showCodeData = callbackCodec<string>({
  name: 'show code button',
  prefix: 'code:',
  schema: z
    .string()
    .regex(/^code:[A-Za-z0-9:_-]{1,59}$/)
    .transform((s) => s.slice('code:'.length)),
  format: (turnId) => `code:${turnId}`,
});
