import { z } from 'zod';
import type { Clock, IdGen } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatRef, Outbox } from '../core/outbox.ts';
import type {
  PendingCall,
  Resolution,
  ResumableTurnRunner,
  Suspension,
  TurnOutcome,
  TurnRequest,
} from '../core/turn.ts';
import type { Store, WriteTx } from '../store/db.ts';
import { loadRunFiles, saveRunFiles } from '../attachments/attachment-store.ts';
import { detachInline } from '../attachments/inline-refs.ts';
import { parseCallback } from './callback-data.ts';
import { FALLBACK_CONFIRMATION, type Presentation, confirmationSchema, userAsked } from './confirmation.ts';
import { insertGrant } from './grants.ts';
import { type NewRunEvent, type RunEvent, appendRunEvents, eventsForChat, eventsForRun } from './events.ts';
import type { ApprovalPolicy } from './policy.ts';
import {
  alreadyClosedNotice,
  alwaysAllowedNotice,
  closedText,
  formatDuration,
  promptKeyboard,
  promptText,
  promptTextWithDetails,
  summarizeArgs,
} from './prompt.ts';
import {
  type ApprovalRecord,
  type RunRecord,
  approvalInsert,
  storableRequest,
  toApprovalRecord,
  toRunRecord,
} from './records.ts';
import { approvalPromptKey, runMessageKey } from '../core/keys/dedupe-keys.ts';

/** Who clicked or answered: the Telegram user id and a display name for audit lines. */
export interface Actor {
  id: number;
  name: string;
}

/** What to tell the clicker (answerCallbackQuery): `alert` shows a dialog instead of a toast. */
export interface ClickResult {
  ok: boolean;
  text: string;
  alert: boolean;
  /** The request is closed (decided, expired or gone): the pressed prompt's buttons can no longer do anything. */
  stale?: boolean;
}

export interface SweepReport {
  expired: number;
  resumed: number;
  interrupted: number;
  reprompted: number;
}

export interface ApprovalsDeps {
  store: Store;
  outbox: Outbox;
  turnRunner: ResumableTurnRunner;
  policy: ApprovalPolicy;
  clock: Clock;
  /** Short unguessable ids (createIdGen()); they go into callback_data. */
  idGen: IdGen;
  log: Logger;
  /** Whether the bot still serves this user: nothing is resumed, prompted or sent for someone who lost access. */
  isServed?: (userId: number) => Promise<boolean>;
  /** Owners may decide anyone's request. Default: `users.access = 'owner'`. */
  isOwner?: (userId: number) => Promise<boolean>;
  /** Periodic sweep interval (real timer), default 20 s. */
  sweepIntervalMs?: number;
  /** How long a resuming run may take before another process considers it interrupted. Default 15 min. */
  resumeLeaseMs?: number;
}

/** The human-in-the-loop service: persists suspended runs, prompts, decides, expires and resumes. */
export interface Approvals {
  /**
   * Persists a suspended run and its pending calls in one transaction, then sends one prompt per call.
   * `budgetMs` caps the wait (e.g. a scheduled job's remaining time budget).
   */
  onSuspended(
    request: TurnRequest,
    suspension: Suspension,
    options?: { budgetMs?: number },
  ): Promise<{ runId: string; approvalIds: string[] }>;
  /** Handles a raw `ap:`/`q:` callback_data press (validated here). Never throws. */
  handleCallback(data: string | undefined, actor: Actor): Promise<ClickResult>;
  /** Approve (`y`), deny (`n`) or always allow (`a`) one approval. First writer wins. */
  decide(approvalId: string, action: 'y' | 'n' | 'a', actor: Actor): Promise<ClickResult>;
  /** Answers a question with option `index`. */
  answer(approvalId: string, index: number, actor: Actor): Promise<ClickResult>;
  /** A text message answers the user's oldest open question in this chat (and topic). True when consumed. */
  answerFromText(chat: ChatRef, userId: number, text: string): Promise<boolean>;
  /** Open approvals and questions in this chat that this user may decide (owners: all of the chat). */
  pendingFor(chat: ChatRef, userId: number): Promise<ApprovalRecord[]>;
  /** `/pending`: re-sends every open prompt with its buttons (or says nothing is waiting). Returns how many. */
  resendPending(chat: ChatRef, userId: number): Promise<number>;
  /** Applies due fallbacks, resumes settled runs, recovers interrupted ones, re-sends prompts that never went out. */
  sweep(): Promise<SweepReport>;
  /** Sweeps now and then periodically. */
  start(): Promise<void>;
  /** Stops the timer and waits for in-flight work. */
  stop(): Promise<void>;
  /** Resolves when background work (edits, resumes) started so far has finished. */
  idle(): Promise<void>;
  eventsForRun(runId: string): Promise<RunEvent[]>;
  /** Recent events in a chat, newest last; only runs of `userId` when given (what /why may show that user). */
  eventsForChat(chatId: number, limit?: number, userId?: number): Promise<RunEvent[]>;
}

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

const REPROMPT_AFTER_MS = 30_000;
const MAX_ANSWER_CHARS = 2000;

/** Creates the approvals service. Call `start()` once the bot can send. */
export function createApprovals(deps: ApprovalsDeps): Approvals {
  const { store, outbox, clock, log } = deps;
  const sweepIntervalMs = deps.sweepIntervalMs ?? 20_000;
  const resumeLeaseMs = deps.resumeLeaseMs ?? 15 * 60_000;
  const isOwner =
    deps.isOwner ??
    (async (userId: number) => {
      const row = await store.get("SELECT 1 AS ok FROM users WHERE id = ? AND access = 'owner'", [userId]);
      return row !== undefined;
    });

  const inflight = new Set<Promise<unknown>>();
  const reprompted = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let sweeping: Promise<SweepReport> | undefined;

  function background(label: string, fn: () => Promise<unknown>): void {
    const p = fn()
      .catch((err) => log.error({ err: toError(err), task: label }, 'approvals background task failed'))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }

  async function idle(): Promise<void> {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  }

  // ---------- persistence ----------

  function termsFor(
    call: PendingCall,
    origin: TurnRequest['source'],
  ): {
    timeoutMs: number;
    fallback: 'deny' | 'approve';
    allowAlways: boolean;
    grantTarget?: string;
    summary: string;
    reason: string | undefined;
    presentation: Presentation;
  } {
    const parsed = termsSchema.safeParse(call.payload);
    if (parsed.success) {
      const t = parsed.data;
      const timeoutMs =
        origin === 'schedule' ? Math.min(t.timeoutMs, t.scheduledTimeoutMs ?? t.timeoutMs) : t.timeoutMs;
      const presentation: Presentation = {
        style: userAsked(origin, t.turnReadUntrusted) ? 'confirm' : 'formal',
        ...(t.confirm ?? FALLBACK_CONFIRMATION),
        ...(t.described ? { description: t.described } : {}),
      };
      // A grant names a target; without one there is nothing to offer "Always allow" for.
      return {
        timeoutMs,
        // A confirmation nobody answered never goes ahead on its own.
        fallback: presentation.style === 'confirm' ? 'deny' : t.fallback,
        presentation,
        allowAlways: t.allowAlways && t.grantTarget !== undefined,
        ...(t.allowAlways && t.grantTarget !== undefined ? { grantTarget: t.grantTarget } : {}),
        summary: t.summary ?? summarizeArgs(call.args),
        reason: t.reason,
      };
    }
    // No terms from the gate (e.g. the gate threw and the loop failed closed): ask with the policy's terms, or the defaults.
    const verdict = deps.policy.evaluate(call.tool, call.args);
    const defaults = deps.policy.config.defaults;
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

  /** Inserts one approval row per pending call of `round`, plus their events. Returns the records. */
  async function insertRound(
    tx: WriteTx,
    runId: string,
    round: number,
    request: TurnRequest,
    origin: TurnRequest['source'],
    suspension: Suspension,
    budgetMs: number | undefined,
  ): Promise<ApprovalRecord[]> {
    const now = clock.now();
    const questions = deps.policy.config.questions;
    const records: ApprovalRecord[] = [];
    const events: NewRunEvent[] = [];
    for (const call of suspension.pending) {
      const base = {
        id: deps.idGen(),
        runId,
        round,
        callId: call.callId,
        agent: call.agent,
        tool: call.tool,
        args: call.args,
        requestedBy: request.userId,
        requestedByName: request.userName?.trim() || `user ${request.userId}`,
        chat:
          request.chat.topicId === undefined
            ? { chatId: request.chat.chatId }
            : { chatId: request.chat.chatId, topicId: request.chat.topicId },
        timezone: request.timezone,
        createdAt: now,
      };
      let record: ApprovalRecord;
      if (call.kind === 'question') {
        const q = questionSchema.safeParse(call.payload);
        const question = q.success ? q.data.question : 'The assistant has a question for you.';
        const options = [
          ...new Set((q.success ? (q.data.options ?? []) : []).map((o) => o.trim()).filter(Boolean)),
        ].slice(0, 6);
        let timeoutMs =
          origin === 'schedule' ? Math.min(questions.timeout, questions.scheduledTimeout) : questions.timeout;
        if (budgetMs !== undefined) timeoutMs = Math.max(1000, Math.min(timeoutMs, budgetMs));
        record = {
          ...base,
          kind: 'question',
          question,
          options,
          summary: question,
          reason: undefined,
          allowAlways: false,
          grantTarget: undefined,
          presentation: undefined,
          expiresAt: now + timeoutMs,
          fallback: questions.fallbackAnswer,
          ...openState(),
        };
        events.push({
          type: 'question_asked',
          data: { approvalId: record.id, callId: call.callId, question, options, expiresAt: record.expiresAt },
        });
      } else {
        const terms = termsFor(call, origin);
        let timeoutMs = terms.timeoutMs;
        if (budgetMs !== undefined) timeoutMs = Math.max(1000, Math.min(timeoutMs, budgetMs));
        record = {
          ...base,
          kind: 'approval',
          question: undefined,
          options: [],
          summary: terms.summary,
          reason: terms.reason,
          allowAlways: terms.allowAlways,
          grantTarget: terms.grantTarget,
          presentation: terms.presentation,
          expiresAt: now + timeoutMs,
          fallback: terms.fallback,
          ...openState(),
        };
        events.push({
          type: 'approval_requested',
          data: {
            approvalId: record.id,
            callId: call.callId,
            tool: call.tool,
            agent: call.agent,
            summary: record.summary,
            expiresAt: record.expiresAt,
            fallback: record.fallback,
            style: terms.presentation.style,
          },
        });
      }
      const insert = approvalInsert(record);
      await tx.run(insert.sql, insert.args);
      records.push(record);
    }
    await appendRunEvents(tx, log, runId, request.chat.chatId, now, events);
    return records;
  }

  function openState() {
    return {
      status: 'pending' as const,
      answer: undefined,
      always: false,
      decidedBy: undefined,
      decidedByName: undefined,
      decidedAt: undefined,
    };
  }

  const served = async (userId: number): Promise<boolean> => !deps.isServed || (await deps.isServed(userId));

  async function sendPrompt(a: ApprovalRecord, to: ChatRef, dedupe: boolean): Promise<boolean> {
    if (!(await served(a.requestedBy))) return false;
    const alog = log.child({ approval_id: a.id, run_id: a.runId });
    const delivery = await outbox.send(to, {
      text: promptText(a, clock.now()),
      format: 'html',
      keyboard: promptKeyboard(a),
      dedupeKey: dedupe ? approvalPromptKey.encode(a.id) : undefined,
    });
    if (!delivery.ok) {
      alog.warn(
        { reason: delivery.reason, message: delivery.message },
        'approval prompt not delivered; the fallback applies at expiry',
      );
      return false;
    }
    const messageId = delivery.messageIds[0];
    if (messageId === undefined) return false;
    await store.write(async (tx) => {
      await tx.run(
        'INSERT OR IGNORE INTO approval_messages (approval_id, chat_id, topic_id, message_id, created_at) VALUES (?, ?, ?, ?, ?)',
        [a.id, to.chatId, to.topicId ?? null, messageId, clock.now()],
      );
      await tx.run('UPDATE approvals SET prompt_message_id = COALESCE(prompt_message_id, ?) WHERE id = ?', [
        messageId,
        a.id,
      ]);
    });
    alog.info({ message_id: messageId, kind: a.kind, tool: a.tool }, 'prompt sent');
    return true;
  }

  async function onSuspended(
    request: TurnRequest,
    suspension: Suspension,
    options: { budgetMs?: number } = {},
  ): Promise<{ runId: string; approvalIds: string[] }> {
    if (suspension.pending.length === 0) throw new Error('onSuspended: the suspension has no pending calls');
    const runId = deps.idGen();
    const now = clock.now();
    // Files are stored once by content hash; the stored request and agent state refer to them.
    const stored = detachInline(storableRequest(request));
    const state = detachInline(suspension, stored.files);
    const records = await store.write(async (tx) => {
      await saveRunFiles(tx, runId, request.userId, stored.files, now);
      await tx.run(
        `INSERT INTO approval_runs (id, chat_id, topic_id, user_id, origin, request, suspension, round, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'waiting', ?, ?)`,
        [
          runId,
          request.chat.chatId,
          request.chat.topicId ?? null,
          request.userId,
          request.source,
          stored.json,
          state.json,
          now,
          now,
        ],
      );
      return insertRound(tx, runId, 1, request, request.source, suspension, options.budgetMs);
    });
    for (const a of records) await sendPrompt(a, a.chat, true);
    return { runId, approvalIds: records.map((r) => r.id) };
  }

  // ---------- closing prompts and resuming ----------

  async function loadApproval(id: string): Promise<ApprovalRecord | undefined> {
    const row = await store.get('SELECT * FROM approvals WHERE id = ?', [id]);
    return row ? toApprovalRecord(row) : undefined;
  }

  async function editCopies(a: ApprovalRecord): Promise<void> {
    const copies = await store.query(
      'SELECT chat_id, topic_id, message_id FROM approval_messages WHERE approval_id = ?',
      [a.id],
    );
    const text = closedText(a, clock.now());
    for (const c of copies) {
      const to: ChatRef =
        c.topic_id === null || c.topic_id === undefined
          ? { chatId: Number(c.chat_id) }
          : { chatId: Number(c.chat_id), topicId: Number(c.topic_id) };
      const delivery = await outbox.edit(to, Number(c.message_id), { text, format: 'html' });
      if (!delivery.ok)
        log.warn(
          { approval_id: a.id, reason: delivery.reason, message: delivery.message },
          'could not edit approval prompt',
        );
    }
  }

  async function closeAndContinue(approvalId: string): Promise<void> {
    const a = await loadApproval(approvalId);
    if (!a) return;
    await editCopies(a);
    await maybeResume(a.runId);
  }

  function resolutionFor(a: ApprovalRecord): Resolution {
    const when = formatDuration(a.expiresAt - a.createdAt);
    switch (a.status) {
      case 'approved':
        return { type: 'approved' };
      case 'denied':
        return {
          type: 'denied',
          reason: `${a.decidedByName ?? 'the user'} tapped ${a.presentation?.style === 'confirm' ? `“${a.presentation.no}”` : 'Deny'}. Do not retry it; tell the user it was not done.`,
        };
      case 'answered':
        return { type: 'answer', value: a.answer ?? '' };
      case 'expired':
        if (a.kind === 'question') return { type: 'answer', value: a.fallback };
        return a.fallback === 'approve'
          ? { type: 'approved' }
          : {
              type: 'denied',
              reason: `nobody approved it within ${when}, so it was denied automatically. Do not retry it; tell the user it was not done and that they can ask again.`,
            };
      default:
        throw new Error(`approval ${a.id} is still pending`);
    }
  }

  /** Resumes the run once every pending call of its current round is settled. Exactly once across processes (CAS). */
  async function maybeResume(runId: string): Promise<boolean> {
    const now = clock.now();
    const claimed = await store.write(async (tx) => {
      const r = await tx.run(
        `UPDATE approval_runs SET status = 'resuming', lease_until = ?, updated_at = ?
         WHERE id = ? AND status = 'waiting'
           AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.run_id = approval_runs.id AND a.round = approval_runs.round AND a.status = 'pending')`,
        [now + resumeLeaseMs, now, runId],
      );
      if (r.changes !== 1) return undefined;
      const runRow = (await tx.query('SELECT * FROM approval_runs WHERE id = ?', [runId]))[0];
      if (!runRow) return undefined;
      const run = toRunRecord(runRow);
      const approvals = (
        await tx.query('SELECT * FROM approvals WHERE run_id = ? AND round = ?', [runId, run.round])
      ).map(toApprovalRecord);
      await appendRunEvents(tx, log, runId, run.chat.chatId, now, [
        {
          type: 'resumed',
          data: {
            round: run.round,
            decisions: approvals.map((a) => ({ approvalId: a.id, tool: a.tool, status: a.status })),
          },
        },
      ]);
      return { run, approvals };
    });
    if (!claimed) return false;
    background(`resume:${runId}`, () => runResume(claimed.run, claimed.approvals));
    return true;
  }

  /** Ends a run whose user lost access, without a model call or a message. */
  async function accessEnded(run: RunRecord, rlog: Logger): Promise<boolean> {
    if (await served(run.userId)) return false;
    await finishRun(run, 'failed', 'access_ended', 'the user no longer has access', [
      { type: 'failed', data: { reason: 'access_ended' } },
    ]);
    rlog.warn('the user no longer has access: run ended without resuming');
    return true;
  }

  async function runResume(run: RunRecord, approvals: ApprovalRecord[]): Promise<void> {
    const rlog = log.child({ run_id: run.id });
    if (await accessEnded(run, rlog)) return;
    const resolutions: Record<string, Resolution> = {};
    for (const a of approvals) resolutions[a.callId] = resolutionFor(a);
    // Calls the runner asks about that have no row (should not happen) are denied rather than run.
    for (const p of run.suspension.pending)
      if (!resolutions[p.callId])
        resolutions[p.callId] = { type: 'denied', reason: 'No decision was recorded for this call.' };

    const toolEvents: NewRunEvent[] = [];
    let outcome: TurnOutcome;
    try {
      const request: TurnRequest = { ...(await loadRunFiles(store, run.request)), source: 'resume' };
      outcome = await deps.turnRunner.resume(
        request,
        await loadRunFiles(store, run.suspension),
        resolutions,
        (event) => {
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
        },
      );
    } catch (err) {
      const e = toError(err);
      rlog.error({ err: e }, 'resume failed');
      await outbox.send(run.chat, {
        text: "Sorry — I couldn't finish that request after your decision. Please ask me again.",
        format: 'plain',
        dedupeKey: runMessageKey.encode({ runId: run.id }),
      });
      await finishRun(run, 'failed', 'failed', e.message, [
        ...toolEvents,
        { type: 'failed', data: { error: e.message } },
      ]);
      return;
    }

    if (outcome.status === 'suspended' && outcome.suspension && outcome.suspension.pending.length > 0) {
      const next = outcome.suspension;
      const round = run.round + 1;
      const now = clock.now();
      const state = detachInline(next);
      const records = await store.write(async (tx) => {
        const r = await tx.run(
          `UPDATE approval_runs SET status = 'waiting', round = ?, suspension = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'resuming'`,
          [round, state.json, now, run.id],
        );
        if (r.changes !== 1) throw new Error(`run ${run.id} is no longer resuming`);
        await saveRunFiles(tx, run.id, run.userId, state.files, now);
        await appendRunEvents(tx, log, run.id, run.chat.chatId, now, [
          ...toolEvents,
          { type: 'suspended_again', data: { round, pending: next.pending.length } },
        ]);
        return insertRound(tx, run.id, round, run.request, run.origin, next, undefined);
      });
      if (outcome.text.trim())
        await outbox.send(run.chat, {
          text: outcome.text,
          dedupeKey: runMessageKey.encode({ runId: run.id, round: run.round }),
        });
      for (const a of records) await sendPrompt(a, a.chat, true);
      rlog.info({ round }, 'resumed run suspended again');
      return;
    }

    if (await accessEnded(run, rlog)) return;
    const text = outcome.text.trim()
      ? outcome.text
      : outcome.status === 'done'
        ? 'Done.'
        : 'I stopped before finishing. Please ask me again.';
    const delivery = await outbox.send(run.chat, {
      text,
      keyboard: outcome.keyboard,
      dedupeKey: runMessageKey.encode({ runId: run.id }),
    });
    if (!delivery.ok)
      rlog.warn({ reason: delivery.reason, message: delivery.message }, 'final answer of a resumed run not delivered');
    await finishRun(run, 'done', outcome.status, outcome.error?.message, [
      ...toolEvents,
      { type: 'finished', data: { status: outcome.status, delivered: delivery.ok, text: text.slice(0, 300) } },
    ]);
    rlog.info({ status: outcome.status }, 'resumed run finished');
  }

  async function finishRun(
    run: RunRecord,
    status: 'done' | 'failed',
    outcomeStatus: string,
    error: string | undefined,
    events: NewRunEvent[],
  ): Promise<void> {
    const now = clock.now();
    await store.write(async (tx) => {
      await tx.run(
        `UPDATE approval_runs SET status = ?, outcome_status = ?, error = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'resuming'`,
        [status, outcomeStatus, error ?? null, now, run.id],
      );
      await appendRunEvents(tx, log, run.id, run.chat.chatId, now, events);
    });
  }

  // ---------- deciding ----------

  const unknownRequest: ClickResult = {
    ok: false,
    alert: false,
    stale: true,
    text: "This request isn't available any more. Send /pending to see what's still open.",
  };

  async function mayDecide(a: ApprovalRecord, actor: Actor): Promise<boolean> {
    return actor.id === a.requestedBy || (await isOwner(actor.id));
  }

  async function recordUnauthorized(a: ApprovalRecord, actor: Actor): Promise<void> {
    await store.write((tx) =>
      appendRunEvents(tx, log, a.runId, a.chat.chatId, clock.now(), [
        { type: 'unauthorized_click', data: { approvalId: a.id, userId: actor.id, name: actor.name } },
      ]),
    );
  }

  /** CAS: pending and not yet expired → the new status. Returns false when someone else (or the clock) was first. */
  async function settle(
    a: ApprovalRecord,
    actor: Actor,
    status: 'approved' | 'denied' | 'answered',
    extra: { answer?: string; always?: boolean },
  ): Promise<boolean> {
    const now = clock.now();
    return store.write(async (tx) => {
      const r = await tx.run(
        `UPDATE approvals SET status = ?, answer = ?, always = ?, decided_by = ?, decided_by_name = ?, decided_at = ?
         WHERE id = ? AND status = 'pending' AND expires_at > ?`,
        [status, extra.answer ?? null, extra.always ? 1 : 0, actor.id, actor.name, now, a.id, now],
      );
      if (r.changes !== 1) return false;
      const events: NewRunEvent[] = [];
      if (a.kind === 'question') {
        events.push({
          type: 'question_answered',
          data: { approvalId: a.id, by: actor.id, name: actor.name, answer: (extra.answer ?? '').slice(0, 300) },
        });
      } else {
        events.push({
          type: 'approval_decided',
          data: {
            approvalId: a.id,
            tool: a.tool,
            decision: status,
            by: actor.id,
            name: actor.name,
            always: !!extra.always,
          },
        });
      }
      if (extra.always && a.grantTarget !== undefined) {
        // Scoped to the requester, this tool and the target shown on the button; never to the whole chat.
        await insertGrant(tx, {
          userId: a.requestedBy,
          tool: a.tool,
          target: a.grantTarget,
          grantedBy: actor.id,
          chatId: a.chat.chatId,
          approvalId: a.id,
          at: now,
        });
        events.push({
          type: 'always_allow_granted',
          data: { approvalId: a.id, tool: a.tool, target: a.grantTarget, for: a.requestedBy, by: actor.id },
        });
      }
      await appendRunEvents(tx, log, a.runId, a.chat.chatId, now, events);
      return true;
    });
  }

  /** Shared click flow: load, authorize, check state, CAS, then edit + resume in the background. */
  async function click(
    approvalId: string,
    kind: 'approval' | 'question',
    actor: Actor,
    choose: (
      a: ApprovalRecord,
    ) =>
      | { status: 'approved' | 'denied' | 'answered'; answer?: string; always?: boolean; reply: string }
      | { invalid: string },
  ): Promise<ClickResult> {
    const a = await loadApproval(approvalId);
    if (!a || a.kind !== kind) return unknownRequest;
    const alog = log.child({ approval_id: a.id, run_id: a.runId });
    if (!(await mayDecide(a, actor))) {
      alog.warn({ user_id: actor.id }, 'unauthorized click on an approval');
      if (a.status === 'pending') await recordUnauthorized(a, actor);
      return { ok: false, alert: true, text: `Only ${a.requestedByName} can decide this.` };
    }
    if (a.status !== 'pending')
      return { ok: false, alert: false, stale: true, text: alreadyClosedNotice(a, clock.now()) };
    if (a.expiresAt <= clock.now()) {
      await expireOne(a.id);
      const again = (await loadApproval(a.id)) ?? a;
      return { ok: false, alert: true, stale: true, text: alreadyClosedNotice(again, clock.now()) };
    }
    const choice = choose(a);
    if ('invalid' in choice) return { ok: false, alert: false, text: choice.invalid };
    const won = await settle(a, actor, choice.status, { answer: choice.answer, always: choice.always });
    if (!won) {
      const again = await loadApproval(a.id);
      return {
        ok: false,
        alert: false,
        stale: true,
        text: again ? alreadyClosedNotice(again, clock.now()) : unknownRequest.text,
      };
    }
    alog.info({ status: choice.status, by: actor.id }, 'decision recorded');
    background(`close:${a.id}`, () => closeAndContinue(a.id));
    return { ok: true, alert: false, text: choice.reply };
  }

  async function decide(approvalId: string, action: 'y' | 'n' | 'a', actor: Actor): Promise<ClickResult> {
    return click(approvalId, 'approval', actor, (a) => {
      const confirm = a.presentation?.style === 'confirm' ? a.presentation : undefined;
      if (action === 'y') return { status: 'approved', reply: confirm ? `${confirm.yes} ✅` : 'Approved ✅' };
      if (action === 'n')
        return { status: 'denied', reply: confirm ? `${confirm.no} — nothing was done.` : 'Denied ❌' };
      if (!a.allowAlways || a.grantTarget === undefined)
        return { invalid: "“Always allow” isn't offered for this request. Tap Approve or Deny." };
      return { status: 'approved', always: true, reply: alwaysAllowedNotice(a) };
    });
  }

  /** Details: edits the open prompt (every copy) to add the technical lines, for whoever may decide it. */
  async function showDetails(approvalId: string, actor: Actor): Promise<ClickResult> {
    const a = await loadApproval(approvalId);
    if (a?.kind !== 'approval') return unknownRequest;
    if (!(await mayDecide(a, actor)))
      return { ok: false, alert: true, text: `Only ${a.requestedByName} can decide this.` };
    if (a.status !== 'pending' || a.expiresAt <= clock.now())
      return { ok: false, alert: false, text: alreadyClosedNotice(a, clock.now()) };
    const copies = await store.query(
      'SELECT chat_id, topic_id, message_id FROM approval_messages WHERE approval_id = ?',
      [a.id],
    );
    const text = promptTextWithDetails(a, clock.now());
    const keyboard = promptKeyboard(a, { details: true });
    for (const c of copies) {
      const to: ChatRef =
        c.topic_id === null || c.topic_id === undefined
          ? { chatId: Number(c.chat_id) }
          : { chatId: Number(c.chat_id), topicId: Number(c.topic_id) };
      const delivery = await outbox.edit(to, Number(c.message_id), { text, format: 'html', keyboard });
      if (!delivery.ok) log.warn({ approval_id: a.id, reason: delivery.reason }, 'could not add details to the prompt');
    }
    return { ok: true, alert: false, text: 'Details added below.' };
  }

  async function answer(approvalId: string, index: number, actor: Actor): Promise<ClickResult> {
    return click(approvalId, 'question', actor, (a) => {
      const option = a.options[index];
      if (option === undefined)
        return { invalid: "That option isn't available. Tap one of the buttons or reply with text." };
      return { status: 'answered', answer: option, reply: `Got it: ${option.slice(0, 150)}` };
    });
  }

  async function handleCallback(data: string | undefined, actor: Actor): Promise<ClickResult> {
    const parsed = parseCallback(data);
    if (!parsed)
      return {
        ok: false,
        alert: false,
        stale: true,
        text: "This button isn't valid any more. Send /pending to see what's still open.",
      };
    try {
      if (parsed.kind === 'q') return await answer(parsed.id, parsed.index, actor);
      return parsed.action === 'd'
        ? await showDetails(parsed.id, actor)
        : await decide(parsed.id, parsed.action, actor);
    } catch (err) {
      log.error({ err: toError(err), approval_id: parsed.id }, 'approval click failed');
      return { ok: false, alert: true, text: "Sorry, I couldn't record that. Please try again in a moment." };
    }
  }

  async function answerFromText(chat: ChatRef, userId: number, text: string): Promise<boolean> {
    const value = text.trim();
    if (!value || value.startsWith('/')) return false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = clock.now();
      const row = await store.get(
        `SELECT * FROM approvals WHERE chat_id = ? AND topic_id IS ? AND requested_by = ? AND kind = 'question'
           AND status = 'pending' AND expires_at > ? ORDER BY created_at, id LIMIT 1`,
        [chat.chatId, chat.topicId ?? null, userId, now],
      );
      if (!row) return false;
      const a = toApprovalRecord(row);
      const actor: Actor = { id: userId, name: a.requestedByName };
      const won = await settle(a, actor, 'answered', { answer: value.slice(0, MAX_ANSWER_CHARS) });
      if (won) {
        background(`close:${a.id}`, () => closeAndContinue(a.id));
        return true;
      }
    }
    return false;
  }

  // ---------- visibility ----------

  async function pendingFor(chat: ChatRef, userId: number): Promise<ApprovalRecord[]> {
    const owner = await isOwner(userId);
    const rows = await store.query(
      `SELECT * FROM approvals WHERE chat_id = ? AND status = 'pending' AND expires_at > ? ${owner ? '' : 'AND requested_by = ?'}
       ORDER BY created_at, id LIMIT 20`,
      owner ? [chat.chatId, clock.now()] : [chat.chatId, clock.now(), userId],
    );
    return rows.map(toApprovalRecord);
  }

  async function resendPending(chat: ChatRef, userId: number): Promise<number> {
    const open = await pendingFor(chat, userId);
    if (open.length === 0) {
      await outbox.send(chat, { text: 'Nothing is waiting for your decision. ✨', format: 'plain' });
      return 0;
    }
    const intro =
      open.length === 1 ? 'One request is waiting for you:' : `${open.length} requests are waiting for you:`;
    await outbox.send(chat, { text: intro, format: 'plain' });
    for (const a of open) await sendPrompt(a, chat, false);
    return open.length;
  }

  // ---------- expiry and recovery ----------

  /** CAS pending → expired for one due approval; edits its prompts and resumes the run if it was the last one. */
  async function expireOne(approvalId: string): Promise<boolean> {
    const now = clock.now();
    const expired = await store.write(async (tx) => {
      const r = await tx.run(
        `UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending' AND expires_at <= ?`,
        [now, approvalId, now],
      );
      if (r.changes !== 1) return undefined;
      const row = (await tx.query('SELECT * FROM approvals WHERE id = ?', [approvalId]))[0];
      if (!row) return undefined;
      const a = toApprovalRecord(row);
      await appendRunEvents(tx, log, a.runId, a.chat.chatId, now, [
        { type: 'approval_expired', data: { approvalId: a.id, tool: a.tool, kind: a.kind, fallback: a.fallback } },
      ]);
      return a;
    });
    if (!expired) return false;
    await editCopies(expired);
    await maybeResume(expired.runId);
    return true;
  }

  async function doSweep(): Promise<SweepReport> {
    const report: SweepReport = { expired: 0, resumed: 0, interrupted: 0, reprompted: 0 };
    const now = clock.now();

    const due = await store.query(
      `SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT 200`,
      [now],
    );
    for (const row of due) {
      try {
        if (await expireOne(String(row.id))) report.expired += 1;
      } catch (err) {
        log.error({ err: toError(err), approval_id: row.id }, 'could not expire approval');
      }
    }

    // Runs whose calls were all settled but that never resumed (e.g. the process died right after a click).
    const settled = await store.query(
      `SELECT id FROM approval_runs r WHERE status = 'waiting'
         AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.run_id = r.id AND a.round = r.round AND a.status = 'pending') LIMIT 100`,
    );
    for (const row of settled) if (await maybeResume(String(row.id))) report.resumed += 1;

    // Resumes that died with their process: the tool may or may not have run, so tell the user instead of repeating it.
    const stale = await store.query(
      `SELECT * FROM approval_runs WHERE status = 'resuming' AND lease_until < ? LIMIT 100`,
      [now],
    );
    for (const row of stale) {
      const run = toRunRecord(row);
      const won = await store.write(async (tx) => {
        const r = await tx.run(
          `UPDATE approval_runs SET status = 'failed', outcome_status = 'interrupted', error = 'process restarted during resume', lease_until = NULL, updated_at = ?
           WHERE id = ? AND status = 'resuming' AND lease_until < ?`,
          [now, run.id, now],
        );
        if (r.changes !== 1) return false;
        await appendRunEvents(tx, log, run.id, run.chat.chatId, now, [
          { type: 'interrupted', data: { reason: 'process_restart' } },
        ]);
        return true;
      });
      if (!won) continue;
      report.interrupted += 1;
      if (!(await served(run.userId))) continue;
      await outbox.send(run.chat, {
        text: "I was restarted while finishing a request you'd already decided on, so I'm not sure it completed. Please check and ask me again if needed.",
        format: 'plain',
        dedupeKey: runMessageKey.encode({ runId: run.id }),
      });
    }

    // Prompts that never went out (crash between persisting and sending).
    const unsent = await store.query(
      `SELECT * FROM approvals a WHERE status = 'pending' AND expires_at > ? AND created_at <= ?
         AND NOT EXISTS (SELECT 1 FROM approval_messages m WHERE m.approval_id = a.id) LIMIT 50`,
      [now, now - REPROMPT_AFTER_MS],
    );
    for (const row of unsent) {
      const a = toApprovalRecord(row);
      if (reprompted.has(a.id)) continue;
      reprompted.add(a.id);
      if (await sendPrompt(a, a.chat, true)) report.reprompted += 1;
    }
    return report;
  }

  function sweep(): Promise<SweepReport> {
    if (!sweeping) {
      sweeping = doSweep().finally(() => {
        sweeping = undefined;
      });
    }
    return sweeping;
  }

  async function nextDelay(): Promise<number> {
    try {
      const row = await store.get(`SELECT MIN(expires_at) AS next FROM approvals WHERE status = 'pending'`);
      const next = row?.next === null || row?.next === undefined ? undefined : Number(row.next);
      if (next === undefined) return sweepIntervalMs;
      return Math.max(250, Math.min(sweepIntervalMs, next - clock.now() + 50));
    } catch {
      return sweepIntervalMs;
    }
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      background('sweep', async () => {
        try {
          await sweep();
        } finally {
          schedule(await nextDelay());
        }
      });
    }, delay);
    timer.unref();
  }

  return {
    onSuspended,
    handleCallback,
    decide,
    answer,
    answerFromText,
    pendingFor,
    resendPending,
    sweep,
    async start() {
      if (!stopped) return;
      stopped = false;
      try {
        const report = await sweep();
        log.info(report, 'approvals sweeper started');
      } catch (err) {
        log.error({ err: toError(err) }, 'initial approvals sweep failed');
      }
      schedule(await nextDelay());
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await idle();
    },
    idle,
    eventsForRun: (runId) => eventsForRun(store, runId),
    eventsForChat: (chatId, limit, userId) => eventsForChat(store, chatId, limit, userId),
  };
}
