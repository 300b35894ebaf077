import { approvalTexts } from '../approvals/approval-texts.ts';
import type { Clock } from '../core/clock.ts';
import { createDueLoop } from '../core/due-loop.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from '../core/outbox.ts';
import type { RoutineRef, RoutineResolution, RoutineResult, RoutineRunner, RoutineTarget } from '../core/routines.ts';
import { createTaskSet } from '../core/task-set.ts';
import type { TurnRequest } from '../core/turn.ts';
import type { Locale } from '../i18n/locale.ts';
import type { Store } from '../store/db.ts';
import { decisionAt, expiredDecisions, resolveDecision } from './decision-store.ts';
import type { Workflow } from './definition.ts';
import { type DriveContext, type RunEnd, driveHeld } from './drive.ts';
import type { ExecutorDeps } from './pass.ts';
import { deadOwners, newOwnerId } from './owner.ts';
import { type ParamProblem, checkParams } from './params.ts';
import { runIdFor } from './run-id.ts';
import { createRunMessages, describeProblems } from './run-messages.ts';
import { claimRun, getRun, insertRun, leaseOwners, orphanRuns, renewLeases } from './run-store.ts';
import { workflowTexts } from './workflow-texts.ts';

export type { RunEnd } from './drive.ts';
export { describeProblems } from './run-messages.ts';

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
  /** Starts a run (or finds the one this turn id started before) and drives it in the background. */
  launch(name: string, params: Record<string, string>, request: RunRequest): Promise<Launch>;
  decide(
    press: { runId: string; seq: number; approve: boolean },
    userId: number,
    locale: Locale,
  ): Promise<DecideResult>;
  /** Resumes unfinished runs (a dead process's on this machine at once) and starts the lease/timeout loop. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when no run is being driven by this process. */
  idle(): Promise<void>;
}

const ZERO = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** Creates the workflow runner. Nothing runs until `start()` or a launch. */
export function createWorkflows(deps: WorkflowsDeps): Workflows {
  const { store, clock, log, definitions } = deps;
  const leaseMs = deps.leaseMs ?? 30_000;
  const owner = newOwnerId();
  const tasks = createTaskSet({ clock, log });
  const inflight = new Map<string, Promise<RunEnd>>();
  let stopping = false;
  const messages = createRunMessages(store, deps.outbox);
  const exec: ExecutorDeps = { ...deps.steps, store, clock, log, owner, post: messages.post, ask: messages.ask };
  const ctx: DriveContext = { store, clock, log, owner, exec, messages, stopping: () => stopping };

  /** Single flight per run in this process (the lease covers other processes). */
  function drive(runId: string): Promise<RunEnd> {
    const running = inflight.get(runId);
    if (running) return running;
    const p = driveHeld(ctx, runId).finally(() => inflight.delete(runId));
    inflight.set(runId, p);
    tasks.run(`workflow ${runId}`, async () => {
      await p.catch((err) =>
        log.warn({ err: toError(err), runId }, 'workflow pass failed; it resumes when its lease lapses'),
      );
    });
    return p;
  }

  async function take(runId: string, fromSuspended: boolean, reason: string, dead: readonly string[] = []) {
    if (stopping || inflight.has(runId)) return;
    const now = clock.now();
    if (!(await claimRun(store, runId, owner, { now, leaseMs, deadOwners: dead, fromSuspended, reason }))) return;
    log.info({ runId, reason }, 'workflow run resumed');
    void drive(runId).catch(() => {});
  }

  /** Renews leases, takes over runs whose holder died, applies the fallback of decisions that timed out. */
  async function sweep(): Promise<number> {
    const now = clock.now();
    await renewLeases(store, owner, now + leaseMs);
    const dead = deadOwners(await leaseOwners(store));
    for (const id of await orphanRuns(store, now, dead)) await take(id, false, 'lease lapsed', dead);
    for (const d of await expiredDecisions(store, now)) {
      const res = await resolveDecision(store, d.runId, d.seq, 'expired', 0, now);
      if (!res.ok) continue;
      const line = (l: Locale) =>
        d.fallback === 'approve' ? approvalTexts(l).expiredApproved : approvalTexts(l).expiredDenied;
      await messages.closePrompt(d, line).catch(() => {});
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
    const { chat } = request;
    const run = {
      id,
      workflow: name,
      userId: request.userId,
      chatId: chat.chatId,
      ...(chat.topicId !== undefined ? { topicId: chat.topicId } : {}),
      chatType: chat.type,
      timezone: request.timezone,
      locale: request.locale ?? 'en',
      turnId: request.turnId,
      params: checked.params,
      definition: wf,
    };
    if (await insertRun(store, run, owner, now + leaseMs, now))
      log.info({ runId: id, workflow: name }, 'workflow run started');
    return { ok: true, runId: id, end: drive(id) };
  }

  async function decide(
    press: { runId: string; seq: number; approve: boolean },
    userId: number,
    locale: Locale,
  ): Promise<DecideResult> {
    const t = workflowTexts(locale);
    const d = await decisionAt(store, press.runId, press.seq);
    const run = d ? await getRun(store, press.runId) : undefined;
    if (!d || !run) return { ok: false, text: t.gone };
    if (run.userId !== userId) return { ok: false, text: t.notYours };
    const now = clock.now();
    const res = await resolveDecision(store, d.runId, d.seq, press.approve ? 'approved' : 'denied', userId, now);
    if (!res.ok) return { ok: false, text: t.alreadyDecided };
    const time = new Date(now).toISOString().slice(11, 16);
    const by = String(userId);
    const line = (l: Locale) =>
      press.approve ? approvalTexts(l).approvedBy({ by, time }) : approvalTexts(l).deniedBy({ by, time });
    await messages
      .closePrompt(d, line)
      .catch((err) => log.warn({ err: toError(err) }, 'could not close a workflow prompt'));
    if (res.pendingLeft === 0 && res.runStatus === 'suspended') await take(d.runId, true, 'decided');
    return { ok: true };
  }

  return {
    list: () => [...definitions.values()],
    get: (name) => definitions.get(name),
    launch,
    decide,
    async resolve(ref: RoutineRef) {
      return ref.workflow ? resolveRef(ref.workflow, ref.params ?? {}) : { ok: false, reason: 'No workflow named.' };
    },
    async run(target: RoutineTarget, request: TurnRequest): Promise<RoutineResult> {
      const started = target.type === 'workflow' ? await launch(target.workflow, target.params, request) : undefined;
      if (!started?.ok) {
        const checked = target.type === 'workflow' ? resolveRef(target.workflow, target.params) : undefined;
        const text = checked && !checked.ok ? checked.reason : 'The workflow could not start.';
        return { posted: false, outcome: { status: 'failed', text, usage: { ...ZERO } } };
      }
      const end = await started.end;
      return {
        posted: true,
        ...((end.status === 'done' || end.status === 'failed') && end.messageId ? { messageId: end.messageId } : {}),
        ...(end.status === 'failed' ? { failed: 'the workflow run failed' } : {}),
      };
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
