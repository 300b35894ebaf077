import { loadRunFiles, saveRunFiles } from '../attachments/attachment-store.ts';
import { detachInline } from '../attachments/inline-refs.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Suspension, TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { ApprovalsContext } from './context.ts';
import type { NewRunEvent } from './events.ts';
import type { PromptSender } from './prompt-sender.ts';
import type { ApprovalRecord, RunRecord } from './records.ts';
import { resolutionsFor } from './resolution.ts';
import { buildRound } from './round.ts';
import { runMessageKey } from '../core/keys/dedupe-keys.ts';

/** Closing settled requests and resuming their runs. */
export interface Resumer {
  /** Resumes the run once every pending call of its current round is settled. Exactly once across processes. */
  maybeResume(runId: string): Promise<boolean>;
  /** After a decision: edits the prompt's copies, then resumes the run if that was its last open call. */
  closeAndContinue(approvalId: string): Promise<void>;
  /** Applies one due approval's fallback (CAS), edits its prompts and resumes the run if it was the last one. */
  expire(approvalId: string): Promise<boolean>;
}

/** Creates the resumer. */
export function createResumer(ctx: ApprovalsContext, prompts: PromptSender): Resumer {
  const { clock, log } = ctx;
  const resumeLeaseMs = ctx.deps.resumeLeaseMs ?? 15 * 60_000;

  async function maybeResume(runId: string): Promise<boolean> {
    const claimed = await ctx.runs.claim(runId, clock.now(), resumeLeaseMs);
    if (!claimed) return false;
    ctx.background(`resume:${runId}`, () => runResume(claimed.run, claimed.approvals));
    return true;
  }

  const finish = (
    run: RunRecord,
    status: 'done' | 'failed',
    outcome: string,
    error: string | undefined,
    events: NewRunEvent[],
  ) => ctx.runs.finish(run, { status, outcome, error }, events, clock.now());

  /** Ends a run whose user lost access, without a model call or a message. */
  async function accessEnded(run: RunRecord, rlog: Logger): Promise<boolean> {
    if (await ctx.served(run.userId)) return false;
    await finish(run, 'failed', 'access_ended', 'the user no longer has access', [
      { type: 'failed', data: { reason: 'access_ended' } },
    ]);
    rlog.warn('the user no longer has access: run ended without resuming');
    return true;
  }

  async function runResume(run: RunRecord, approvals: ApprovalRecord[]): Promise<void> {
    const rlog = log.child({ run_id: run.id });
    if (await accessEnded(run, rlog)) return;
    const toolEvents: NewRunEvent[] = [];
    let outcome: TurnOutcome;
    try {
      outcome = await resumeTurn(run, approvals, toolEvents);
    } catch (err) {
      const e = toError(err);
      rlog.error({ err: e }, 'resume failed');
      await ctx.outbox.send(run.chat, {
        text: "Sorry — I couldn't finish that request after your decision. Please ask me again.",
        format: 'plain',
        dedupeKey: runMessageKey.encode({ runId: run.id }),
      });
      await finish(run, 'failed', 'failed', e.message, [...toolEvents, { type: 'failed', data: { error: e.message } }]);
      return;
    }
    if (outcome.status === 'suspended' && outcome.suspension && outcome.suspension.pending.length > 0) {
      await suspendAgain(run, outcome, outcome.suspension, toolEvents);
      rlog.info({ round: run.round + 1 }, 'resumed run suspended again');
      return;
    }
    if (await accessEnded(run, rlog)) return;
    await deliverFinal(run, outcome, toolEvents, rlog);
  }

  async function resumeTurn(run: RunRecord, approvals: ApprovalRecord[], toolEvents: NewRunEvent[]) {
    const resolutions = resolutionsFor(run.suspension.pending, approvals);
    const request: TurnRequest = { ...(await loadRunFiles(ctx.store, run.request)), source: 'resume' };
    return ctx.deps.turnRunner.resume(request, await loadRunFiles(ctx.store, run.suspension), resolutions, (event) => {
      if (event.type === 'tool-result')
        toolEvents.push({
          type: 'tool_result',
          data: {
            tool: event.tool,
            callId: event.callId,
            agent: event.agent,
            ok: event.ok,
            summary: event.summary.slice(0, 300),
          },
        });
    });
  }

  async function suspendAgain(run: RunRecord, outcome: TurnOutcome, next: Suspension, toolEvents: NewRunEvent[]) {
    const round = run.round + 1;
    const now = clock.now();
    const state = detachInline(next);
    const built = buildRound({
      runId: run.id,
      round,
      request: run.request,
      origin: run.origin,
      suspension: next,
      budgetMs: undefined,
      now,
      newId: ctx.deps.idGen,
      policy: ctx.deps.policy,
    });
    await ctx.store.write(async (tx) => {
      await ctx.runs.suspendAgain(tx, run, round, state.json, now);
      await saveRunFiles(tx, run.id, run.userId, state.files, now);
      await ctx.approvals.insertRound(tx, run.id, run.chat.chatId, now, {
        records: built.records,
        events: [
          ...toolEvents,
          { type: 'suspended_again', data: { round, pending: next.pending.length } },
          ...built.events,
        ],
      });
    });
    if (outcome.text.trim())
      await ctx.outbox.send(run.chat, {
        text: outcome.text,
        dedupeKey: runMessageKey.encode({ runId: run.id, round: run.round }),
      });
    for (const a of built.records) await prompts.send(a, a.chat, true);
  }

  async function deliverFinal(run: RunRecord, outcome: TurnOutcome, toolEvents: NewRunEvent[], rlog: Logger) {
    const text = outcome.text.trim()
      ? outcome.text
      : outcome.status === 'done'
        ? 'Done.'
        : 'I stopped before finishing. Please ask me again.';
    const delivery = await ctx.outbox.send(run.chat, {
      text,
      keyboard: outcome.keyboard,
      dedupeKey: runMessageKey.encode({ runId: run.id }),
    });
    if (!delivery.ok)
      rlog.warn({ reason: delivery.reason, message: delivery.message }, 'final answer of a resumed run not delivered');
    await finish(run, 'done', outcome.status, outcome.error?.message, [
      ...toolEvents,
      { type: 'finished', data: { status: outcome.status, delivered: delivery.ok, text: text.slice(0, 300) } },
    ]);
    rlog.info({ status: outcome.status }, 'resumed run finished');
  }

  return {
    maybeResume,
    async closeAndContinue(approvalId) {
      const a = await ctx.approvals.load(approvalId);
      if (!a) return;
      await prompts.editClosed(a);
      await maybeResume(a.runId);
    },
    async expire(approvalId) {
      const expired = await ctx.approvals.expire(approvalId, clock.now());
      if (!expired) return false;
      await prompts.editClosed(expired);
      await maybeResume(expired.runId);
      return true;
    },
  };
}
