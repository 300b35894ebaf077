import { z } from 'zod';
import type { PendingCall, TurnRequest } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import { taintSourceSchema } from '../agents/taint.ts';
import { approvalTexts } from './approval-texts.ts';
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
  taintSources: z.array(taintSourceSchema).max(50).optional(),
});

const questionSchema = z.object({
  question: z.string().trim().min(1),
  options: z.array(z.string()).max(6).optional(),
});

/** A question call's text and its distinct, non-empty options (at most 6). */
export function questionOf(call: PendingCall, locale: Locale = 'en'): { question: string; options: string[] } {
  const q = questionSchema.safeParse(call.payload);
  const question = q.success ? q.data.question : approvalTexts(locale).defaultQuestion;
  const raw = q.success ? (q.data.options ?? []) : [];
  const options = [...new Set(raw.map((o) => o.trim()).filter(Boolean))].slice(0, 6);
  return { question, options };
}

/**
 * The terms of an approval call: the gate's payload when it is valid (a run started by a schedule waits at most
 * the scheduled timeout; a confirmation the user asked for never goes ahead on its own), else the policy's terms.
 */
export function termsFor(
  call: PendingCall,
  origin: TurnRequest['source'],
  policy: ApprovalPolicy,
  locale: Locale = 'en',
): CallTerms {
  const parsed = termsSchema.safeParse(call.payload);
  if (!parsed.success) return policyTerms(call, origin, policy, locale);
  const t = parsed.data;
  const timeoutMs = origin === 'schedule' ? Math.min(t.timeoutMs, t.scheduledTimeoutMs ?? t.timeoutMs) : t.timeoutMs;
  const presentation: Presentation = {
    style: userAsked(origin, t.turnReadUntrusted) && !t.taintSources ? 'confirm' : 'formal',
    ...(t.confirm ?? FALLBACK_CONFIRMATION),
    ...(t.described ? { description: t.described } : {}),
    ...(t.taintSources ? { taint: t.taintSources } : {}),
  };
  // A grant names a target; without one there is nothing to offer "Always allow" for.
  const allowAlways = t.allowAlways && t.grantTarget !== undefined && !t.taintSources;
  return {
    timeoutMs,
    // A confirmation nobody answered never goes ahead on its own.
    fallback: presentation.style === 'confirm' || t.taintSources ? 'deny' : t.fallback,
    presentation,
    allowAlways,
    ...(allowAlways ? { grantTarget: t.grantTarget } : {}),
    summary: t.summary ?? summarizeArgs(call.args),
    reason: t.reason || undefined,
  };
}

/** No terms from the gate (e.g. the gate threw and the loop failed closed): the policy's terms, or the defaults. */
function policyTerms(
  call: PendingCall,
  origin: TurnRequest['source'],
  policy: ApprovalPolicy,
  locale: Locale,
): CallTerms {
  const verdict = policy.evaluate(call.tool, call.args);
  const defaults = policy.config.defaults;
  const timeoutMs = verdict.required ? verdict.timeoutMs : defaults.timeout;
  const scheduled = verdict.required ? verdict.scheduledTimeoutMs : defaults.scheduledTimeout;
  return {
    timeoutMs: origin === 'schedule' ? Math.min(timeoutMs, scheduled) : timeoutMs,
    fallback: verdict.required ? verdict.fallback : defaults.fallback,
    allowAlways: false,
    summary: summarizeArgs(call.args),
    reason: verdict.required ? verdict.reason : approvalTexts(locale).policyUnchecked,
    presentation: { style: 'formal', ...FALLBACK_CONFIRMATION },
  };
}

/** The wait, capped by the caller's budget (never under a second). */
export function cappedTimeout(timeoutMs: number, budgetMs: number | undefined): number {
  return budgetMs === undefined ? timeoutMs : Math.max(1000, Math.min(timeoutMs, budgetMs));
}
