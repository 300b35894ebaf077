import { approvalTexts } from '../approvals/approval-texts.ts';
import { taintLine } from '../approvals/taint-line.ts';
import type { TaintSource } from '../agents/tool.ts';
import type { Clock } from '../core/clock.ts';
import { createDueLoop } from '../core/due-loop.ts';
import { AppError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import type { RoutineRef, RoutineResolution, RoutineResult, RoutineRunner, RoutineTarget } from '../core/routines.ts';
import { createTaskSet } from '../core/task-set.ts';
import type { TurnRequest } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Store } from '../store/db.ts';
import { workflowData, workflowMessageKey } from './callback-data.ts';
import {
  type Decision,
  decisionAt,
  expiredDecisions,
  resolveDecision,
  setDecisionMessage,
  suspendIfWaiting,
} from './decision-store.ts';
import { type Workflow, workflowSchema } from './definition.ts';
import { type DecisionTerms, type ExecutorDeps, type StepFailure, runPass } from './executor.ts';
import { deadOwners, newOwnerId } from './owner.ts';
import { type ParamProblem, checkParams } from './params.ts';
import { runIdFor } from './run-id.ts';
import {
  LeaseLostError,
  type RunRow,
  claimRun,
  getRun,
  insertRun,
  leaseOwners,
  orphanRuns,
  renewLeases,
  settleHeld,
} from './run-store.ts';
import { workflowTexts } from './workflow-texts.ts';

/** What the runner needs besides the store: the model, tools and gate for its steps, and the chat to post in. */
export interface WorkflowsDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  definitions: Map<string, Workflow>;
  steps: Omit<ExecutorDeps, 'store' | 'clock' | 'log' | 'owner' | 'post' | 'ask'>;
  /** How long a run's lease lasts without renewal (default 30 s); renewed every third of it. */
  leaseMs?: number;
}

/** Who started a run and where it posts. */
export type RunRequest = Pick<TurnRequest, 'turnId' | 'userId' | 'chat' | 'timezone' | 'locale'>;

/** How a run ended for its trigger. */
export type RunEnd =
  | { status: 'done'; messageId: number }
  | { status: 'suspended' }
  | { status: 'failed'; messageId?: number }
  /** Another process holds the run (or it was stopped by shutdown); it finishes there. */
  | { status: 'elsewhere' };

/** Starting a run: its id and its end, or why the parameters don't fit. */
export type Launch =
  | { ok: true; runId: string; end: Promise<RunEnd> }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'params'; problems: ParamProblem[] };

/** What a press on Approve/Deny did, for the callback answer. */
export type DecideResult = { ok: true } | { ok: false; text: string };

/** The workflow runner: starts runs, resumes them after a crash or a decision, and runs them for jobs. */
export interface Workflows extends RoutineRunner {
  list(): Workflow[];
  get(name: string): Workflow | undefined;
  launch(name: string, params: Record<string, string>, request: RunRequest): Promise<Launch>;
  decide(
    press: { runId: string; seq: number; approve: boolean },
    userId: number,
    locale: Locale,
  ): Promise<DecideResult>;
  /** Resumes unfinished runs (this process's dead predecessors' at once) and starts the lease/timeout loop. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when no run is being driven by this process. */
  idle(): Promise<void>;
}

const ZERO = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** The reason a step stopped the run, in the user's words. */
function failureText(reason: StepFailure | 'broken', locale: Locale): string {
  const t = workflowTexts(locale);
  if (reason === 'broken') return t.broken;
  switch (reason.kind) {
    case 'denied':
      return t.denied({ tool: reason.tool });
    case 'refused':
      return t.refused({ tool: reason.tool, reason: reason.reason });
    case 'interrupted':
      return t.interrupted({ tool: reason.tool });
    case 'tool_error':
      return t.toolError({ tool: reason.tool, message: reason.message });
    case 'bad_args':
      return t.badArgs({ tool: reason.tool, message: reason.message });
    case 'unknown_tool':
      return t.unknownTool({ tool: reason.tool });
    case 'model_error':
      return t.modelError({ agent: reason.agent });
    case 'too_many_items':
      return t.tooMany({ max: reason.max });
    case 'post_failed':
      return t.postFailed;
  }
}

/** Words for parameter problems (English: the model and the scheduler read them). */
export function describeProblems(problems: ParamProblem[]): string {
  return problems
    .map((p) =>
      p.kind === 'unknown'
        ? `unknown parameter "${p.name}"`
        : p.kind === 'missing'
          ? `parameter "${p.name}" is required`
          : p.kind === 'not_number'
            ? `parameter "${p.name}" must be a number`
            : `parameter "${p.name}" takes at most ${p.max} items`,
    )
    .join('; ');
}

/** Creates the workflow runner. Nothing runs until `start()` or a launch. */
export function createWorkflows(deps: WorkflowsDeps): Workflows {
  const { store, clock, log, outbox, definitions } = deps;
  const leaseMs = deps.leaseMs ?? 30_000;
  const owner = newOwnerId();
  const tasks = createTaskSet({ clock, log });
  const inflight = new Map<string, Promise<RunEnd>>();
  let stopping = false;
  const localeOfRun = (run: RunRow): Locale => (run.locale === 'ru' ? 'ru' : 'en');
  const chatOf = (run: RunRow) => ({
    chatId: run.chatId,
    ...(run.topicId !== undefined ? { topicId: run.topicId } : {}),
  });

  const exec: ExecutorDeps = {
    ...deps.steps,
    store,
    clock,
    log,
    owner,
    async post(run, text) {
      const sent = await outbox.send(chatOf(run), {
        text,
        format: 'markdown',
        dedupeKey: workflowMessageKey.encode({ runId: run.id, kind: 'post' }),
      });
      return sent.ok ? { ok: true, messageId: sent.messageIds[0] ?? 0 } : { ok: false, message: sent.message };
    },
    async ask(run, decision, terms) {
      const sent = await outbox.send(chatOf(run), promptOf(run, decision, terms));
      if (sent.ok && sent.messageIds[0] !== undefined)
        await setDecisionMessage(store, run.id, decision.seq, sent.messageIds[0]);
    },
  };

  function promptOf(run: RunRow, decision: Decision, terms: DecisionTerms) {
    const locale = localeOfRun(run);
    const t = workflowTexts(locale);
    const at = approvalTexts(locale);
    const lines = [t.askTitle({ workflow: run.workflow, tool: decision.tool })];
    if (terms.summary) lines.push('', terms.summary);
    if (terms.taintSources?.length) lines.push('', taintLine(terms.taintSources as TaintSource[], at));
    if (terms.reason) lines.push('', t.askWhy({ reason: terms.reason }));
    lines.push('', t.askFooter);
    const press = { action: 'decide' as const, runId: run.id, seq: decision.seq };
    return {
      text: lines.join('\n'),
      format: 'plain' as const,
      dedupeKey: workflowMessageKey.encode({ runId: run.id, kind: 'ask', seq: decision.seq }),
      keyboard: [
        [
          { text: terms.confirm?.yes ?? at.approve, data: workflowData.encode({ ...press, approve: true }) },
          { text: terms.confirm?.no ?? at.deny, data: workflowData.encode({ ...press, approve: false }) },
        ],
      ],
    };
  }

  async function stopNotice(run: RunRow, reason: StepFailure | 'broken'): Promise<number | undefined> {
    const locale = localeOfRun(run);
    const sent = await outbox.send(chatOf(run), {
      text: workflowTexts(locale).stopped({ workflow: run.workflow, reason: failureText(reason, locale) }),
      format: 'plain',
      dedupeKey: workflowMessageKey.encode({ runId: run.id, kind: 'stop' }),
    });
    return sent.ok ? sent.messageIds[0] : undefined;
  }

  /** Drives a run this process holds until it ends, pauses for a person, or is lost. */
  async function driveHeld(runId: string): Promise<RunEnd> {
    for (;;) {
      const run = await getRun(store, runId);
      if (!run) return { status: 'elsewhere' };
      if (run.status === 'done') return { status: 'done', messageId: run.messageId ?? 0 };
      if (run.status === 'failed') return { status: 'failed', ...(run.messageId ? { messageId: run.messageId } : {}) };
      if (run.status !== 'running' || run.leaseOwner !== owner)
        return { status: run.status === 'suspended' ? 'suspended' : 'elsewhere' };
      const wf = workflowSchema.safeParse(run.definition);
      let result: Awaited<ReturnType<typeof runPass>> | 'broken';
      try {
        result = wf.success ? await runPass(exec, run, wf.data) : 'broken';
      } catch (err) {
        if (err instanceof LeaseLostError || stopping) return { status: 'elsewhere' };
        if (err instanceof AppError && err.message.startsWith('workflow event log has a gap')) result = 'broken';
        else throw err;
      }
      const now = clock.now();
      if (result === 'broken' || result.status === 'failed') {
        const reason = result === 'broken' ? 'broken' : result.reason;
        log.info(
          { runId, workflow: run.workflow, reason: reason === 'broken' ? reason : reason.kind },
          'workflow run stopped',
        );
        const messageId = await stopNotice(run, reason);
        await settleHeld(
          store,
          runId,
          owner,
          { type: 'run_failed', data: { reason: reason === 'broken' ? reason : reason.kind } },
          { status: 'failed', error: reason === 'broken' ? reason : reason.kind, ...(messageId ? { messageId } : {}) },
          now,
        );
        return { status: 'failed', ...(messageId ? { messageId } : {}) };
      }
      if (result.status === 'done') {
        await settleHeld(
          store,
          runId,
          owner,
          { type: 'run_done' },
          { status: 'done', messageId: result.messageId },
          now,
        );
        log.info({ runId, workflow: run.workflow }, 'workflow run done');
        return { status: 'done', messageId: result.messageId };
      }
      if (await suspendIfWaiting(store, runId, owner, now)) return { status: 'suspended' };
      // Every decision was made while other branches ran: go on at once.
    }
  }

  /** Single flight per run in this process (the lease covers other processes). */
  function drive(runId: string): Promise<RunEnd> {
    const running = inflight.get(runId);
    if (running) return running;
    const p = driveHeld(runId).finally(() => inflight.delete(runId));
    inflight.set(runId, p);
    tasks.run(`workflow ${runId}`, async () => {
      await p.catch((err) =>
        log.warn({ err: toError(err), runId }, 'workflow run failed; its lease will lapse and it resumes'),
      );
    });
    return p;
  }

  async function take(runId: string, fromSuspended: boolean, reason: string, dead: readonly string[] = []) {
    if (stopping || inflight.has(runId)) return;
    const now = clock.now();
    if (await claimRun(store, runId, owner, { now, leaseMs, deadOwners: dead, fromSuspended, reason })) {
      log.info({ runId, reason }, 'workflow run resumed');
      void drive(runId).catch(() => {});
    }
  }

  async function closePrompt(d: Decision, line: string) {
    if (d.messageId === undefined) return;
    const run = await getRun(store, d.runId);
    if (!run) return;
    const text = `${workflowTexts(localeOfRun(run)).askTitle({ workflow: run.workflow, tool: d.tool })}\n\n${d.summary}\n\n${line}`;
    await outbox.edit(chatOf(run), d.messageId, { text, format: 'plain' });
  }

  async function sweep(): Promise<number> {
    const now = clock.now();
    await renewLeases(store, owner, now + leaseMs);
    const dead = deadOwners(await leaseOwners(store));
    for (const id of await orphanRuns(store, now, dead)) await take(id, false, 'lease lapsed', dead);
    for (const d of await expiredDecisions(store, now)) {
      const res = await resolveDecision(store, d.runId, d.seq, 'expired', 0, now);
      if (!res.ok) continue;
      const run = await getRun(store, d.runId);
      const at = approvalTexts(run ? localeOfRun(run) : 'en');
      await closePrompt(d, d.fallback === 'approve' ? at.expiredApproved : at.expiredDenied).catch(() => {});
      if (res.pendingLeft === 0 && res.runStatus === 'suspended') await take(d.runId, true, 'decision expired');
    }
    return clock.now() + Math.max(1000, Math.floor(leaseMs / 3));
  }

  const loop = createDueLoop({
    clock,
    log,
    name: 'workflows',
    maxSleepMs: Math.max(1000, Math.floor(leaseMs / 3)),
    tick: sweep,
  });

  function resolveRef(name: string, params: Record<string, string>): RoutineResolution {
    const wf = definitions.get(name);
    if (!wf) return { ok: false, reason: `There is no workflow called "${name}" (see /workflows).` };
    const checked = checkParams(wf, params);
    if (!checked.ok) return { ok: false, reason: `Workflow "${name}": ${describeProblems(checked.problems)}.` };
    return { ok: true, target: { type: 'workflow', workflow: name, params }, label: name };
  }

  async function launch(name: string, params: Record<string, string>, request: RunRequest): Promise<Launch> {
    const wf = definitions.get(name);
    if (!wf) return { ok: false, reason: 'unknown' };
    const checked = checkParams(wf, params);
    if (!checked.ok) return { ok: false, reason: 'params', problems: checked.problems };
    const id = runIdFor(request.turnId);
    const now = clock.now();
    const inserted = await insertRun(
      store,
      {
        id,
        workflow: name,
        userId: request.userId,
        chatId: request.chat.chatId,
        ...(request.chat.topicId !== undefined ? { topicId: request.chat.topicId } : {}),
        chatType: request.chat.type,
        timezone: request.timezone,
        locale: request.locale ?? 'en',
        turnId: request.turnId,
        params: checked.params,
        definition: wf,
      },
      owner,
      now + leaseMs,
      now,
    );
    if (inserted) log.info({ runId: id, workflow: name }, 'workflow run started');
    return { ok: true, runId: id, end: drive(id) };
  }

  return {
    list: () => [...definitions.values()],
    get: (name) => definitions.get(name),
    launch,

    async resolve(ref: RoutineRef): Promise<RoutineResolution> {
      if (!ref.workflow) return { ok: false, reason: 'No workflow named.' };
      return resolveRef(ref.workflow, ref.params ?? {});
    },

    async run(target: RoutineTarget, request: TurnRequest): Promise<RoutineResult> {
      if (target.type !== 'workflow')
        return { posted: false, outcome: { status: 'failed', text: 'Not a workflow.', usage: { ...ZERO } } };
      const started = await launch(target.workflow, target.params, request);
      if (!started.ok) {
        const checked = resolveRef(target.workflow, target.params);
        const text = checked.ok ? 'The workflow could not start.' : checked.reason;
        return { posted: false, outcome: { status: 'failed', text, usage: { ...ZERO } } };
      }
      const end = await started.end;
      return end.status === 'done' || end.status === 'failed'
        ? { posted: true, ...(end.messageId ? { messageId: end.messageId } : {}) }
        : { posted: true };
    },

    async decide(press, userId, locale) {
      const t = workflowTexts(locale);
      const d = await decisionAt(store, press.runId, press.seq);
      const run = d ? await getRun(store, press.runId) : undefined;
      if (!d || !run) return { ok: false, text: t.gone };
      if (run.userId !== userId) return { ok: false, text: t.notYours };
      const now = clock.now();
      const res = await resolveDecision(store, d.runId, d.seq, press.approve ? 'approved' : 'denied', userId, now);
      if (!res.ok) return { ok: false, text: t.alreadyDecided };
      const at = approvalTexts(localeOfRun(run));
      const time = new Date(now).toISOString().slice(11, 16);
      await closePrompt(
        d,
        press.approve ? at.approvedBy({ by: String(userId), time }) : at.deniedBy({ by: String(userId), time }),
      ).catch((err) => log.warn({ err: toError(err) }, 'could not close a workflow prompt'));
      if (res.pendingLeft === 0 && res.runStatus === 'suspended') await take(d.runId, true, 'decided');
      return { ok: true };
    },

    async start() {
      stopping = false;
      await sweep();
      loop.start();
    },

    async stop() {
      stopping = true;
      await loop.stop();
      await tasks.drain(5000);
    },

    idle: () => tasks.idle(),
  };
}
