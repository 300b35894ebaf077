import { z } from 'zod';
import type { PendingCall, TurnRequest } from '../core/turn.ts';
import { summarizeArgs } from './arg-summary.ts';
import { FALLBACK_CONFIRMATION, type Presentation, confirmationSchema, userAsked } from './confirmation.ts';
import type { ApprovalPolicy } from './policy.ts';

/** The terms one approval is asked with: how long, what happens without an answer, and how it reads. */
export interface CallTerms {
  timeoutMs: number;
  fallback: 'deny' | 'approve';
  allowAlways: boolean;
  grantTarget?: string;
  summary: string;
  reason: string | undefined;
  presentation: Presentation;
}

/** The gate's payload (`ApprovalTerms`), validated when the run is persisted. */
const termsSchema = z.object({
  timeoutMs: z.number().positive(),
  scheduledTimeoutMs: z.number().positive().optional(),
  fallback: z.enum(['deny', 'approve']),
  allowAlways: z.boolean(),
  grantTarget: z.string().min(1).optional(),
  summary: z.string().optional(),
  reason: z.string().optional(),
  described: z.string().optional(),
  confirm: confirmationSchema.optional(),
  turnReadUntrusted: z.boolean().optional(),
});

const questionSchema = z.object({
  question: z.string().trim().min(1),
  options: z.array(z.string()).max(6).optional(),
});

/** A question call's text and its distinct, non-empty options (at most 6). */
export function questionOf(call: PendingCall): { question: string; options: string[] } {
  const q = questionSchema.safeParse(call.payload);
  const question = q.success ? q.data.question : 'The assistant has a question for you.';
  const raw = q.success ? (q.data.options ?? []) : [];
  const options = [...new Set(raw.map((o) => o.trim()).filter(Boolean))].slice(0, 6);
  return { question, options };
}

/**
 * The terms of an approval call: the gate's payload when it is valid (a run started by a schedule waits at most
 * the scheduled timeout; a confirmation the user asked for never goes ahead on its own), else the policy's terms.
 */
export function termsFor(call: PendingCall, origin: TurnRequest['source'], policy: ApprovalPolicy): CallTerms {
  const parsed = termsSchema.safeParse(call.payload);
  if (!parsed.success) return policyTerms(call, origin, policy);
  const t = parsed.data;
  const timeoutMs = origin === 'schedule' ? Math.min(t.timeoutMs, t.scheduledTimeoutMs ?? t.timeoutMs) : t.timeoutMs;
  const presentation: Presentation = {
    style: userAsked(origin, t.turnReadUntrusted) ? 'confirm' : 'formal',
    ...(t.confirm ?? FALLBACK_CONFIRMATION),
    ...(t.described ? { description: t.described } : {}),
  };
  // A grant names a target; without one there is nothing to offer "Always allow" for.
  const allowAlways = t.allowAlways && t.grantTarget !== undefined;
  return {
    timeoutMs,
    // A confirmation nobody answered never goes ahead on its own.
    fallback: presentation.style === 'confirm' ? 'deny' : t.fallback,
    presentation,
    allowAlways,
    ...(allowAlways ? { grantTarget: t.grantTarget } : {}),
    summary: t.summary ?? summarizeArgs(call.args),
    reason: t.reason,
  };
}

/** No terms from the gate (e.g. the gate threw and the loop failed closed): the policy's terms, or the defaults. */
function policyTerms(call: PendingCall, origin: TurnRequest['source'], policy: ApprovalPolicy): CallTerms {
  const verdict = policy.evaluate(call.tool, call.args);
  const defaults = policy.config.defaults;
  const timeoutMs = verdict.required ? verdict.timeoutMs : defaults.timeout;
  const scheduled = verdict.required ? verdict.scheduledTimeoutMs : defaults.scheduledTimeout;
  return {
    timeoutMs: origin === 'schedule' ? Math.min(timeoutMs, scheduled) : timeoutMs,
    fallback: verdict.required ? verdict.fallback : defaults.fallback,
    allowAlways: false,
    summary: summarizeArgs(call.args),
    reason: verdict.required ? verdict.reason : "I couldn't check whether this needs approval, so I'm asking.",
    presentation: { style: 'formal', ...FALLBACK_CONFIRMATION },
  };
}

/** The wait, capped by the caller's budget (never under a second). */
export function cappedTimeout(timeoutMs: number, budgetMs: number | undefined): number {
  return budgetMs === undefined ? timeoutMs : Math.max(1000, Math.min(timeoutMs, budgetMs));
}
