import { colonSchema, keyCodec } from './codec.ts';

/**
 * Every outbox dedupe key (`OutMessage.dedupeKey`) and turn id, one typed codec per kind. A dedupe key names one
 * message that must be posted at most once however often its sender runs (a resumed turn, a re-fired job, a second
 * process); `outbox_deliveries` keeps them. Made by the front end, the scheduler and the approvals service.
 */

/** Ids as our id generators make them; lenient (any id without ':', ',' or spaces) so a key never fails to build. */
const ID = '[^:,\\s]{1,128}';
const NUM = '\\d{1,15}';

/** A turn's final answer (and the messages that stand for it): `turn:<updateId>:final`. */
export const turnFinalKey = keyCodec<number>({
  name: 'turn final key',
  schema: colonSchema(new RegExp(`^turn:${NUM}:final$`), (p) => Number(p[1])),
  format: (updateId) => `turn:${updateId}:final`,
});

/** The voice transcript posted alone before an approval prompt: `<final key>:heard` (not the final answer). */
export const heardKey = (finalKey: string): string => `${finalKey}:heard`;

/** What a job occurrence posts: its message, the note of a missed run, or the notice that it was paused. */
export type JobRunVariant = 'run' | 'missed' | 'paused';

/** One occurrence of a job: `job:<jobId>:<scheduledFor>[:missed|:paused]` (also the turn id of a scheduled prompt). */
export const jobRunKey = keyCodec<{ jobId: string; scheduledFor: number; variant: JobRunVariant }>({
  name: 'job run key',
  schema: colonSchema(new RegExp(`^job:${ID}:${NUM}(:missed|:paused)?$`), (p) => ({
    jobId: p[1]!,
    scheduledFor: Number(p[2]),
    variant: (p[3] ?? 'run') as JobRunVariant,
  })),
  format: (v) => `job:${v.jobId}:${v.scheduledFor}${v.variant === 'run' ? '' : `:${v.variant}`}`,
});

/** A job's confirmation card (`jobcard:<jobId>`) or a turn's schedule effects (`jobfx:<id>,<id>…`, job ids or undo tokens). */
export const jobCardKey = keyCodec<{ kind: 'card' | 'effects'; ids: string[] }>({
  name: 'job card key',
  schema: colonSchema(new RegExp(`^job(card|fx):${ID}(,${ID})*$`), (p) => ({
    kind: p[0] === 'jobcard' ? ('card' as const) : ('effects' as const),
    ids: p[1]!.split(','),
  })),
  format: (v) => `${v.kind === 'card' ? 'jobcard' : 'jobfx'}:${v.ids.join(',')}`,
  maxBytes: 8192,
});

/** An approval prompt: `approval:<approvalId>:prompt`. */
export const approvalPromptKey = keyCodec<string>({
  name: 'approval prompt key',
  schema: colonSchema(new RegExp(`^approval:${ID}:prompt$`), (p) => p[1]!),
  format: (id) => `approval:${id}:prompt`,
});

/** A resumed run's messages: its final answer (`run:<id>:final`) or one round's text (`run:<id>:r<round>:text`). */
export const runMessageKey = keyCodec<{ runId: string; round?: number }>({
  name: 'run message key',
  schema: colonSchema(new RegExp(`^run:${ID}:(final|r${NUM}:text)$`), (p) =>
    p[2] === 'final' ? { runId: p[1]! } : { runId: p[1]!, round: Number(p[2]!.slice(1)) },
  ),
  format: (v) => (v.round === undefined ? `run:${v.runId}:final` : `run:${v.runId}:r${v.round}:text`),
});

/** The owner's prompt about one access request: `access:<userId>:<updateId>`. */
export const accessNoticeKey = keyCodec<{ userId: number; updateId: number }>({
  name: 'access notice key',
  schema: colonSchema(new RegExp(`^access:${NUM}:${NUM}$`), (p) => ({ userId: Number(p[1]), updateId: Number(p[2]) })),
  format: (v) => `access:${v.userId}:${v.updateId}`,
});

/** The turn id of a chat update's turn: `update:<updateId>`. */
export const updateTurnId = keyCodec<number>({
  name: 'update turn id',
  schema: colonSchema(new RegExp(`^update:${NUM}$`), (p) => Number(p[1])),
  format: (updateId) => `update:${updateId}`,
});

/** The progress message that becomes a document's card, for the update that brought the document: `doc:<updateId>`. */
export const documentCardKey = keyCodec<number>({
  name: 'document card key',
  schema: colonSchema(new RegExp(`^doc:${NUM}$`), (p) => Number(p[1])),
  format: (updateId) => `doc:${updateId}`,
});
