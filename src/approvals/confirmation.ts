import { z } from 'zod';
import { taintSourceSchema } from '../agents/taint.ts';
import type { TaintSource } from '../agents/tool.ts';
import type { TurnRequest } from '../core/turn.ts';

/**
 * How a guarded call reads to the person who decides: a title sentence ("Delete the reminder “Call mom” (Fri 09:00)?")
 * and the verbs of its two buttons ("Delete" / "Keep"). Tools describe their own; `FALLBACK_CONFIRMATION` otherwise.
 */
export interface Confirmation {
  title: string;
  yes: string;
  no: string;
}

export const confirmationSchema = z.object({
  title: z.string().trim().min(1).max(400),
  yes: z.string().trim().min(1).max(30),
  no: z.string().trim().min(1).max(30),
});

/** For calls no tool describes: plain words, no tool name. */
export const FALLBACK_CONFIRMATION: Confirmation = {
  title: 'Shall I go ahead with this?',
  yes: 'Yes, do it',
  no: 'No',
};

/**
 * `confirm`: the user's own message asked for it and nothing untrusted was read, so a plain confirmation.
 * `formal`: an approval with its timeout and fallback (a scheduled run, an untrusted turn, or unknown).
 */
export type PromptStyle = 'confirm' | 'formal';

/** What a prompt shows besides the stored call: its style, its words and the description of what it acts on. */
export interface Presentation extends Confirmation {
  style: PromptStyle;
  /** What the call refers to, in words (e.g. the reminder's /jobs line); undefined when no tool describes it. */
  description?: string;
  /** Asked by the taint rule: the untrusted sources the request followed, named in the prompt. */
  taint?: TaintSource[];
}

export const presentationSchema = confirmationSchema.extend({
  style: z.enum(['confirm', 'formal']),
  description: z.string().optional(),
  taint: z.array(taintSourceSchema).max(50).optional(),
});

/**
 * Did the user ask for this themselves? Deterministic and conservative: only a turn started by the user's own
 * Telegram message (the run's origin, not a scheduled job), in which no untrusted content was read before the call.
 * An unknown taint state (an older run, a gate failure) counts as untrusted.
 */
export function userAsked(origin: TurnRequest['source'], turnReadUntrusted: boolean | undefined): boolean {
  return origin === 'telegram' && turnReadUntrusted === false;
}
