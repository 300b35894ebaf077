import type { TurnOutcome, TurnRequest } from './turn.ts';

/** What a scheduled job (or a button, or a command) runs besides a reminder text or a free prompt. */
export type RoutineTarget =
  | { type: 'skill'; skillId: string }
  | { type: 'workflow'; workflow: string; params: Record<string, string> };

/** A routine named by a person or the model, checked: the target to store and a label for cards, or why not. */
export type RoutineResolution = { ok: true; target: RoutineTarget; label: string } | { ok: false; reason: string };

/** How a routine run ended: it posted its own message(s) (a workflow's final step), or it gives an outcome to post. */
export type RoutineResult =
  | {
      posted: true;
      messageId?: number;
      /** The run failed (its notice was the post): why, in a few words. */
      failed?: string;
    }
  | { posted: false; outcome: TurnOutcome };

/** What a routine is called by: a skill name or a workflow name (with its parameters). */
export interface RoutineRef {
  userId: number;
  chatId: number;
  skill?: string;
  workflow?: string;
  params?: Record<string, string>;
}

/**
 * Runs routines (skills, workflows) for the scheduler and the chat. Each kind implements it; src/app-routines.ts
 * joins them by `target.type`.
 */
export interface RoutineRunner {
  /** Finds a routine by name for this user and chat; `{ ok: false, reason }` says why not in plain words. */
  resolve(ref: RoutineRef): Promise<RoutineResolution>;
  /** Runs it once: `request` carries the user, chat, turn id (the idempotency key), time zone and abort signal. */
  run(target: RoutineTarget, request: TurnRequest): Promise<RoutineResult>;
}
