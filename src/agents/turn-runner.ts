import { createActivityLog } from '../core/activity.ts';
import { type Clock, type IdGen, createIdGen } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ConversationMemory, MemoryContext } from '../core/memory.ts';
import type { ResumableTurnRunner, Resolution, Suspension, TurnEvent, TurnOutcome, TurnRequest } from '../core/turn.ts';
import { VOICE_INSTRUCTION, hasAudio } from '../core/voice-transcript.ts';
import type { Usage } from '../llm/types.ts';
import { type TurnLimits, createRunContext } from './context.ts';
import { haltedResult, settleVerdict } from './processing-steps.ts';
import { ProcessorHalt, type TurnProcessors } from './processors.ts';
import { failedOutcome, userMessageFor } from './turn-failure.ts';
import { type FinishedRun, finishTurn } from './turn-finish.ts';
import { addTaintSource, initialTaint } from './taint.ts';
import { type RunnerSnapshot, resumedTaint, runnerSnapshotSchema } from './turn-snapshot.ts';
import { type Agent, type AgentInput, type RunContext, type TurnTaint, ZERO_USAGE, addUsage } from './types.ts';

export type { TurnLimits };
export { userMessageFor };

export interface TurnRunnerOptions {
  /** The Network (or any Agent) that answers turns. */
  network: Agent;
  /** Conversation memory; without it every turn starts with no history. */
  memory?: ConversationMemory;
  clock: Clock;
  log: Logger;
  /** Roster `limits`. */
  limits: TurnLimits;
  /** Ids for tool calls the model sent without one. */
  newId?: IdGen;
  /** The guards' processor chain (src/guards); none means no processors. */
  processors?: TurnProcessors;
}

/** The Network's input for a new turn; a voice turn asks the agent that hears it for the transcript too. */
function agentInput(request: TurnRequest, mem: MemoryContext | null): AgentInput {
  const memoryContext = mem?.systemContext ?? '';
  // A voice turn asks the agent that hears it for the transcript in the same answer (no extra model call).
  const systemContext = hasAudio(request.attachments)
    ? [VOICE_INSTRUCTION, memoryContext].filter(Boolean).join('\n\n')
    : memoryContext;
  return { history: mem?.history ?? [], text: request.text, attachments: request.attachments, systemContext };
}

/** Usage of a resumed turn that failed: what it had spent before, plus what the resume spent. */
function resumedUsage(snap: RunnerSnapshot, used: Usage): Usage {
  return {
    inputTokens: snap.usage.inputTokens + used.inputTokens - snap.budgetUsed.inputTokens,
    outputTokens: snap.usage.outputTokens + used.outputTokens - snap.budgetUsed.outputTokens,
    totalTokens: snap.usage.totalTokens + used.totalTokens - snap.budgetUsed.totalTokens,
  };
}

/**
 * Runs turns: memory in, Network, memory out. Model and store failures become `failed` outcomes with a user line;
 * a stopped turn becomes `stopped`; a run waiting for a person becomes `suspended` and is continued by `resume`.
 * Memory is committed for `done` and `limit` turns (a failed or stopped turn is not, so Retry does not duplicate it).
 */
export function createTurnRunner(options: TurnRunnerOptions): ResumableTurnRunner {
  const { network, memory, clock, limits } = options;
  const newId = options.newId ?? createIdGen(10);

  function context(
    request: TurnRequest,
    log: Logger,
    budgetUsed: Usage,
    taint: TurnTaint,
    onEvent: (e: TurnEvent) => void,
  ): RunContext {
    return createRunContext({ request, clock, log, limits, budgetUsed, newId, taint, onEvent });
  }

  async function run(request: TurnRequest, onEvent?: (e: TurnEvent) => void): Promise<TurnOutcome> {
    const log = options.log.child({ turnId: request.turnId, chatId: request.chat.chatId });
    const activity = createActivityLog();
    const ctx = context(request, log, ZERO_USAGE, initialTaint(request), (e) => {
      activity.observe(e);
      onEvent?.(e);
    });
    let mem: MemoryContext | null = null;
    let remembered = request;
    try {
      if (options.processors) ctx.processing = await options.processors.begin(request);
      mem = memory ? await memory.prepare(request) : null;
      if (mem?.othersInHistory) addTaintSource(ctx.taint, { kind: 'group' });
      for (const name of mem?.documentsInContext ?? []) addTaintSource(ctx.taint, { kind: 'file', name });
      const input = agentInput(request, mem);
      if (ctx.processing) {
        input.text = settleVerdict(await ctx.processing.input(input.text), input.text, ctx.emit);
        // A redacted message is remembered redacted: the next turn's history must not bring it back.
        if (input.text !== request.text) remembered = { ...request, text: input.text };
      }
      const result = await network.run(input, ctx);
      const { used } = ctx.budget;
      const { taint, processing } = ctx;
      const finished = { request: remembered, log, result, usage: { ...result.usage }, memIn: mem, budgetUsed: used };
      return await finishTurn(
        { ...finished, activity, turnReadUntrusted: taint.turnReadUntrusted, taint, processing },
        memory,
      );
    } catch (err) {
      if (!(err instanceof ProcessorHalt)) return failedOutcome(err, request, log, { ...ctx.budget.used });
      // A message stopped on the way in is not kept for the model to read next turn (the user still sees it).
      if (err.note.hook === 'input')
        remembered = { ...request, text: `(A message the ${err.note.processor} guard stopped.)` };
      return halted(err, ctx, { request: remembered, log, usage: { ...ctx.budget.used }, memIn: mem, activity });
    }
  }

  /** A turn a processor stopped: the reason is its answer, remembered like any other (so /why shows the halt). */
  function halted(
    halt: ProcessorHalt,
    ctx: RunContext,
    run: Omit<FinishedRun, 'result' | 'budgetUsed' | 'turnReadUntrusted'>,
  ) {
    run.log.info({ processor: halt.note.processor, hook: halt.note.hook }, 'turn halted by a guard');
    const result = haltedResult(halt, run.usage);
    const { taint } = ctx;
    const { turnReadUntrusted } = taint;
    return finishTurn({ ...run, result, budgetUsed: ctx.budget.used, turnReadUntrusted, taint }, memory);
  }

  async function resume(
    request: TurnRequest,
    suspension: Suspension,
    resolutions: Record<string, Resolution>,
    onEvent?: (e: TurnEvent) => void,
  ): Promise<TurnOutcome> {
    const log = options.log.child({ turnId: request.turnId, chatId: request.chat.chatId, resumed: true });
    const parsed = runnerSnapshotSchema.safeParse(suspension.snapshot);
    if (!parsed.success) {
      const e = new AppError(
        'invalid_input',
        `Suspended turn snapshot is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
      );
      log.error({ err: e }, 'cannot resume turn');
      return { status: 'failed', text: userMessageFor(e, request.locale), usage: { ...ZERO_USAGE }, error: e };
    }
    const snap = parsed.data;
    const activity = createActivityLog(snap.memory?.used.activity);
    const ctx = context(request, log, snap.budgetUsed, resumedTaint(snap), (e) => {
      activity.observe(e);
      onEvent?.(e);
    });
    const memIn = snap.memory as MemoryContext | null;
    try {
      if (options.processors) ctx.processing = await options.processors.begin(request);
      const result = await network.resume(snap.frame, resolutions, ctx);
      const usage = { ...snap.usage };
      addUsage(usage, result.usage);
      const { taint, processing } = ctx;
      const { turnReadUntrusted } = taint;
      return await finishTurn(
        {
          request,
          log,
          result,
          usage,
          memIn,
          budgetUsed: ctx.budget.used,
          activity,
          turnReadUntrusted,
          taint,
          processing,
        },
        memory,
      );
    } catch (err) {
      const usage = resumedUsage(snap, ctx.budget.used);
      if (!(err instanceof ProcessorHalt)) return failedOutcome(err, request, log, usage);
      return halted(err, ctx, { request, log, usage, memIn, activity });
    }
  }

  return { run, resume };
}
