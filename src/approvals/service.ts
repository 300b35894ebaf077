import { saveRunFiles } from '../attachments/attachment-store.ts';
import { detachInline } from '../attachments/inline-refs.ts';
import { createTaskSet } from '../core/task-set.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Suspension, TurnRequest } from '../core/turn.ts';
import { createApprovalStore } from './approval-store.ts';
import type { Approvals, ApprovalsDeps } from './approvals-api.ts';
import type { ApprovalsContext } from './context.ts';
import { createDecisions } from './decisions.ts';
import { eventsForChat, eventsForRun } from './events.ts';
import { createPromptSender } from './prompt-sender.ts';
import { type ApprovalRecord, storableRequest } from './records.ts';
import { createResumer } from './resume.ts';
import { buildRound } from './round.ts';
import { createRunStore } from './run-store.ts';
import { createSweeper } from './sweeper.ts';

export type { Actor, Approvals, ApprovalsDeps, ClickResult, SweepReport } from './approvals-api.ts';

/** Creates the approvals service (a facade over its parts). Call `start()` once the bot can send. */
export function createApprovals(deps: ApprovalsDeps): Approvals {
  const ctx = contextOf(deps);
  const { store, clock } = ctx;
  const prompts = createPromptSender(ctx);
  const resumer = createResumer(ctx, prompts);
  const decisions = createDecisions(ctx, prompts, resumer);
  const sweeper = createSweeper(ctx, prompts, resumer);

  async function onSuspended(request: TurnRequest, suspension: Suspension, options: { budgetMs?: number } = {}) {
    if (suspension.pending.length === 0) throw new Error('onSuspended: the suspension has no pending calls');
    const runId = deps.idGen();
    const now = clock.now();
    // Files are stored once by content hash; the stored request and agent state refer to them.
    const stored = detachInline(storableRequest(request));
    const state = detachInline(suspension, stored.files);
    const round = buildRound({
      runId,
      round: 1,
      request,
      origin: request.source,
      suspension,
      budgetMs: options.budgetMs,
      now,
      newId: deps.idGen,
      policy: deps.policy,
    });
    await store.write(async (tx) => {
      await saveRunFiles(tx, runId, request.userId, stored.files, now);
      await ctx.runs.insert(tx, runId, request, { request: stored.json, suspension: state.json }, now);
      await ctx.approvals.insertRound(tx, runId, request.chat.chatId, now, round);
    });
    for (const a of round.records) await prompts.send(a, a.chat, true);
    return { runId, approvalIds: round.records.map((r) => r.id) };
  }

  async function pendingFor(chat: ChatRef, userId: number): Promise<ApprovalRecord[]> {
    const owner = await ctx.isOwner(userId);
    return ctx.approvals.openIn(chat.chatId, clock.now(), owner ? undefined : userId);
  }

  async function resendPending(chat: ChatRef, userId: number): Promise<number> {
    const open = await pendingFor(chat, userId);
    if (open.length === 0) {
      await ctx.outbox.send(chat, { text: 'Nothing is waiting for your decision. ✨', format: 'plain' });
      return 0;
    }
    const intro =
      open.length === 1 ? 'One request is waiting for you:' : `${open.length} requests are waiting for you:`;
    await ctx.outbox.send(chat, { text: intro, format: 'plain' });
    for (const a of open) await prompts.send(a, chat, false);
    return open.length;
  }

  return {
    onSuspended,
    ...decisions,
    pendingFor,
    resendPending,
    sweep: sweeper.sweep,
    start: sweeper.start,
    async stop() {
      await sweeper.stop();
      await ctx.idle();
    },
    idle: ctx.idle,
    eventsForRun: (runId) => eventsForRun(store, runId),
    eventsForChat: (chatId, limit, userId) => eventsForChat(store, chatId, limit, userId),
  };
}

function contextOf(deps: ApprovalsDeps): ApprovalsContext & { idle(): Promise<void> } {
  const { store, log } = deps;
  const approvals = createApprovalStore(store, log);
  const tasks = createTaskSet({ clock: deps.clock, log });
  return {
    deps,
    store,
    outbox: deps.outbox,
    clock: deps.clock,
    log,
    approvals,
    runs: createRunStore(store, log),
    background(label, fn) {
      tasks.run(label, async () => {
        await fn();
      });
    },
    idle: () => tasks.idle(),
    served: async (userId) => !deps.isServed || (await deps.isServed(userId)),
    isOwner: deps.isOwner ?? ((userId) => approvals.isOwner(userId)),
  };
}
