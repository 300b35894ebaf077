import { toError } from '../core/errors.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Actor, ClickResult } from './approvals-api.ts';
import { parseCallback } from './callback-data.ts';
import { alreadyClosedNotice } from './closed-texts.ts';
import type { ApprovalsContext } from './context.ts';
import { type Choice, chooseAnswer, chooseDecision } from './decision-rules.ts';
import type { PromptSender } from './prompt-sender.ts';
import type { ApprovalRecord } from './records.ts';
import type { Resumer } from './resume.ts';

/** Clicks and answers: who may decide, first writer wins, then the prompt closes and the run continues. */
export interface Decisions {
  handleCallback(data: string | undefined, actor: Actor): Promise<ClickResult>;
  decide(approvalId: string, action: 'y' | 'n' | 'a', actor: Actor): Promise<ClickResult>;
  answer(approvalId: string, index: number, actor: Actor): Promise<ClickResult>;
  answerFromText(chat: ChatRef, userId: number, text: string): Promise<boolean>;
}

const MAX_ANSWER_CHARS = 2000;

const unknownRequest: ClickResult = {
  ok: false,
  alert: false,
  stale: true,
  text: "This request isn't available any more. Send /pending to see what's still open.",
};

const invalidButton: ClickResult = {
  ok: false,
  alert: false,
  stale: true,
  text: "This button isn't valid any more. Send /pending to see what's still open.",
};

const onlyRequester = (a: ApprovalRecord): ClickResult => ({
  ok: false,
  alert: true,
  text: `Only ${a.requestedByName} can decide this.`,
});

/** Creates the decision handling. */
export function createDecisions(ctx: ApprovalsContext, prompts: PromptSender, resumer: Resumer): Decisions {
  const { clock, log } = ctx;

  const mayDecide = async (a: ApprovalRecord, actor: Actor) =>
    actor.id === a.requestedBy || (await ctx.isOwner(actor.id));

  const closeInBackground = (a: ApprovalRecord) =>
    ctx.background(`close:${a.id}`, () => resumer.closeAndContinue(a.id));

  /** Whether a click on `a` may count now: undefined when it may, else what to tell the clicker. */
  async function refusal(a: ApprovalRecord, actor: Actor): Promise<ClickResult | undefined> {
    if (!(await mayDecide(a, actor))) {
      log
        .child({ approval_id: a.id, run_id: a.runId })
        .warn({ user_id: actor.id }, 'unauthorized click on an approval');
      if (a.status === 'pending') await ctx.approvals.recordUnauthorized(a, actor, clock.now());
      return onlyRequester(a);
    }
    if (a.status !== 'pending')
      return { ok: false, alert: false, stale: true, text: alreadyClosedNotice(a, clock.now()) };
    if (a.expiresAt <= clock.now()) {
      await resumer.expire(a.id);
      const again = (await ctx.approvals.load(a.id)) ?? a;
      return { ok: false, alert: true, stale: true, text: alreadyClosedNotice(again, clock.now()) };
    }
    return undefined;
  }

  /** Shared click flow: load, authorize, check state, CAS, then edit + resume in the background. */
  async function click(
    approvalId: string,
    kind: 'approval' | 'question',
    actor: Actor,
    choose: (a: ApprovalRecord) => Choice,
  ): Promise<ClickResult> {
    const a = await ctx.approvals.load(approvalId);
    if (!a || a.kind !== kind) return unknownRequest;
    const refused = await refusal(a, actor);
    if (refused) return refused;
    const choice = choose(a);
    if ('invalid' in choice) return { ok: false, alert: false, text: choice.invalid };
    const won = await ctx.approvals.settle(a, actor, choice, clock.now());
    if (!won) {
      const again = await ctx.approvals.load(a.id);
      const text = again ? alreadyClosedNotice(again, clock.now()) : unknownRequest.text;
      return { ok: false, alert: false, stale: true, text };
    }
    log
      .child({ approval_id: a.id, run_id: a.runId })
      .info({ status: choice.status, by: actor.id }, 'decision recorded');
    closeInBackground(a);
    return { ok: true, alert: false, text: choice.reply };
  }

  const decide = (approvalId: string, action: 'y' | 'n' | 'a', actor: Actor) =>
    click(approvalId, 'approval', actor, (a) => chooseDecision(a, action));
  const answer = (approvalId: string, index: number, actor: Actor) =>
    click(approvalId, 'question', actor, (a) => chooseAnswer(a, index));

  /** Details: edits the open prompt (every copy) to add the technical lines, for whoever may decide it. */
  async function showDetails(approvalId: string, actor: Actor): Promise<ClickResult> {
    const a = await ctx.approvals.load(approvalId);
    if (a?.kind !== 'approval') return unknownRequest;
    if (!(await mayDecide(a, actor))) return onlyRequester(a);
    if (a.status !== 'pending' || a.expiresAt <= clock.now())
      return { ok: false, alert: false, text: alreadyClosedNotice(a, clock.now()) };
    await prompts.addDetails(a);
    return { ok: true, alert: false, text: 'Details added below.' };
  }

  return {
    decide,
    answer,
    async handleCallback(data, actor) {
      const parsed = parseCallback(data);
      if (!parsed) return invalidButton;
      try {
        if (parsed.kind === 'q') return await answer(parsed.id, parsed.index, actor);
        return parsed.action === 'd'
          ? await showDetails(parsed.id, actor)
          : await decide(parsed.id, parsed.action, actor);
      } catch (err) {
        log.error({ err: toError(err), approval_id: parsed.id }, 'approval click failed');
        return { ok: false, alert: true, text: "Sorry, I couldn't record that. Please try again in a moment." };
      }
    },
    async answerFromText(chat, userId, text) {
      const value = text.trim();
      if (!value || value.startsWith('/')) return false;
      for (let attempt = 0; attempt < 3; attempt++) {
        const a = await ctx.approvals.oldestQuestion(chat, userId, clock.now());
        if (!a) return false;
        const actor: Actor = { id: userId, name: a.requestedByName };
        if (
          await ctx.approvals.settle(
            a,
            actor,
            { status: 'answered', answer: value.slice(0, MAX_ANSWER_CHARS) },
            clock.now(),
          )
        ) {
          closeInBackground(a);
          return true;
        }
      }
      return false;
    },
  };
}
