import { z } from 'zod';
import type { RoutineTarget } from '../core/routines.ts';
import type { ChatType } from '../core/turn.ts';
import type { Row } from '../store/db.ts';
import { type Schedule, scheduleSchema } from './schedule.ts';

export const missedPolicySchema = z.enum(['skip', 'run_once_within_grace', 'notify']);
/** What happens to occurrences missed while the bot was down. */
export type MissedPolicy = z.infer<typeof missedPolicySchema>;

export type JobKind = 'reminder' | 'prompt';

/** A scheduled job as the program sees it (one `jobs` row). */
export interface Job {
  id: string;
  ownerUserId: number;
  chatId: number;
  topicId?: number;
  chatType: ChatType;
  kind: JobKind;
  /** Reminder text, or the prompt for the Network; for a routine job, its label ("weekly review (skill)"). */
  text: string;
  /** A skill or workflow the job runs instead of its text (a `prompt` job). */
  target?: RoutineTarget;
  schedule: Schedule;
  timezone: string;
  enabled: boolean;
  nextRunAt: number | null;
  lastRunAt: number | null;
  lastStatus: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  missedPolicy: MissedPolicy;
  graceMs: number;
  pausedReason: string | null;
  completedAt: number | null;
  /** Set while the job is deleted but can still be restored (Undo); it never runs then. */
  deletedAt: number | null;
  /** Names this deletion in the Undo button while `deletedAt` is set. */
  undoToken: string | null;
  /** The message showing the job's confirmation card, if known; `cardSolo` when that message is only the card. */
  cardMessageId: number | null;
  cardSolo: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The `jobs.target` JSON column: a skill or a workflow with its parameters. */
export const routineTargetSchema: z.ZodType<RoutineTarget> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('skill'), skillId: z.string().min(1).max(64) }),
  z.object({
    type: z.literal('workflow'),
    workflow: z.string().min(1).max(64),
    params: z.record(z.string(), z.string().max(2000)),
  }),
]);

const chatTypeSchema = z.enum(['private', 'group', 'supergroup', 'channel']);

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Maps a `jobs` row; the schedule JSON is validated (a corrupt row throws with the job id). */
export function jobFromRow(row: Row): Job {
  const id = String(row.id);
  let schedule: Schedule;
  try {
    schedule = scheduleSchema.parse(JSON.parse(String(row.schedule)));
  } catch (err) {
    throw new Error(`job ${id} has an unreadable schedule: ${(err as Error).message}`);
  }
  let target: RoutineTarget | undefined;
  if (row.target != null) {
    try {
      target = routineTargetSchema.parse(JSON.parse(String(row.target)));
    } catch (err) {
      throw new Error(`job ${id} has an unreadable target: ${(err as Error).message}`);
    }
  }
  const topic = num(row.topic_id);
  return {
    id,
    ownerUserId: Number(row.owner_user_id),
    chatId: Number(row.chat_id),
    ...(topic !== null ? { topicId: topic } : {}),
    chatType: chatTypeSchema.catch('private').parse(row.chat_type),
    kind: row.kind === 'prompt' ? 'prompt' : 'reminder',
    text: String(row.text),
    ...(target ? { target } : {}),
    schedule,
    timezone: String(row.timezone),
    enabled: Number(row.enabled) === 1,
    nextRunAt: num(row.next_run_at),
    lastRunAt: num(row.last_run_at),
    lastStatus: row.last_status === null || row.last_status === undefined ? null : String(row.last_status),
    lastError: row.last_error === null || row.last_error === undefined ? null : String(row.last_error),
    consecutiveFailures: Number(row.consecutive_failures ?? 0),
    missedPolicy: missedPolicySchema.catch('run_once_within_grace').parse(row.missed_policy),
    graceMs: Number(row.grace_ms ?? 3_600_000),
    pausedReason: row.paused_reason === null || row.paused_reason === undefined ? null : String(row.paused_reason),
    completedAt: num(row.completed_at),
    deletedAt: num(row.deleted_at),
    undoToken: row.undo_token == null ? null : String(row.undo_token),
    cardMessageId: num(row.card_message_id),
    cardSolo: Number(row.card_solo ?? 0) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Run statuses recorded in `job_runs.status`. */
export type RunStatus =
  | 'claimed'
  | 'retry'
  | 'delivered'
  | 'failed'
  | 'skipped'
  | 'missed'
  | 'awaiting_approval'
  | 'stopped';
