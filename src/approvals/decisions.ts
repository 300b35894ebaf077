import { toError } from '../core/errors.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Locale } from '../i18n/locale.ts';
import { type ApprovalTexts, approvalTexts } from './approval-texts.ts';
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

/** A closed or unknown request: the pressed buttons can no longer do anything. */
const stale = (text: string): ClickResult => ({ ok: false, alert: false, stale: true, text });

const onlyRequester = (a: ApprovalRecord, t: ApprovalTexts): ClickResult => ({
  ok: false,
  alert: true,
  text: t.onlyRequester({ name: a.requestedByName }),
});

/** Creates the decision handling. */
export function createDecisions(ctx: ApprovalsContext, prompts: PromptSender, resumer: Resumer): Decisions {
  const { clock, log } = ctx;

  const mayDecide = async (a: ApprovalRecord, actor: Actor) =>
    actor.id === a.requestedBy || (await ctx.isOwner(actor.id));

  const closeInBackground = (a: ApprovalRecord) =>
    ctx.background(`close:${a.id}`, () => resumer.closeAndContinue(a.id));

  /** Whether a click on `a` may count now: undefined when it may, else what to tell the clicker. */
  async function refusal(a: ApprovalRecord, actor: Actor, locale: Locale): Promise<ClickResult | undefined> {
    if (!(await mayDecide(a, actor))) {
      log
        .child({ approval_id: a.id, run_id: a.runId })
        .warn({ user_id: actor.id }, 'unauthorized click on an approval');
      if (a.status === 'pending') await ctx.approvals.recordUnauthorized(a, actor, clock.now());
      return onlyRequester(a, approvalTexts(locale));
    }
    if (a.status !== 'pending') return stale(alreadyClosedNotice(a, clock.now(), locale));
    if (a.expiresAt <= clock.now()) {
      await resumer.expire(a.id);
      const again = (await ctx.approvals.load(a.id)) ?? a;
      return { ...stale(alreadyClosedNotice(again, clock.now(), locale)), alert: true };
    }
    return undefined;
  }

  /** Shared click flow: load, authorize, check state, CAS, then edit + resume in the background. */
  async function click(
    approvalId: string,
    kind: 'approval' | 'question',
    actor: Actor,
    choose: (a: ApprovalRecord, locale: Locale) => Choice,
  ): Promise<ClickResult> {
    const locale = await ctx.localeOf(actor.id);
    const a = await ctx.approvals.load(approvalId);
    if (!a || a.kind !== kind) return stale(approvalTexts(locale).unknownRequest);
    const refused = await refusal(a, actor, locale);
    if (refused) return refused;
    const choice = choose(a, locale);
    if ('invalid' in choice) return { ok: false, alert: false, text: choice.invalid };
    const won = await ctx.approvals.settle(a, actor, choice, clock.now());
    if (!won) {
      const again = await ctx.approvals.load(a.id);
      return stale(again ? alreadyClosedNotice(again, clock.now(), locale) : approvalTexts(locale).unknownRequest);
    }
    log
      .child({ approval_id: a.id, run_id: a.runId })
      .info({ status: choice.status, by: actor.id }, 'decision recorded');
    closeInBackground(a);
    return { ok: true, alert: false, text: choice.reply };
  }

  const decide = (approvalId: string, action: 'y' | 'n' | 'a', actor: Actor) =>
    click(approvalId, 'approval', actor, (a, locale) => chooseDecision(a, action, locale));
  const answer = (approvalId: string, index: number, actor: Actor) =>
    click(approvalId, 'question', actor, (a, locale) => chooseAnswer(a, index, locale));

  /** Details: edits the open prompt (every copy) to add the technical lines, for whoever may decide it. */
  async function showDetails(approvalId: string, actor: Actor): Promise<ClickResult> {
    const locale = await ctx.localeOf(actor.id);
    const t = approvalTexts(locale);
    const a = await ctx.approvals.load(approvalId);
    if (a?.kind !== 'approval') return stale(t.unknownRequest);
    if (!(await mayDecide(a, actor))) return onlyRequester(a, t);
    if (a.status !== 'pending' || a.expiresAt <= clock.now())
      return { ok: false, alert: false, text: alreadyClosedNotice(a, clock.now(), locale) };
    await prompts.addDetails(a);
    return { ok: true, alert: false, text: t.detailsAdded };
  }

  return {
    decide,
    answer,
    async handleCallback(data, actor) {
      const parsed = parseCallback(data);
      if (!parsed) return stale(approvalTexts(await ctx.localeOf(actor.id)).invalidButton);
      try {
        if (parsed.kind === 'q') return await answer(parsed.id, parsed.index, actor);
        return parsed.action === 'd'
          ? await showDetails(parsed.id, actor)
          : await decide(parsed.id, parsed.action, actor);
      } catch (err) {
        log.error({ err: toError(err), approval_id: parsed.id }, 'approval click failed');
        const text = approvalTexts(await ctx.localeOf(actor.id)).clickFailed;
        return { ok: false, alert: true, text };
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
