import { z } from 'zod';
import { createActivityLog, turnActivitySchema } from '../core/activity.ts';
import { type Clock, type IdGen, createIdGen } from '../core/clock.ts';
import { AppError, LlmError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ConversationMemory, MemoryContext } from '../core/memory.ts';
import type { ResumableTurnRunner, Resolution, Suspension, TurnEvent, TurnOutcome, TurnRequest } from '../core/turn.ts';
import { VOICE_INSTRUCTION, hasAudio, takeTranscript } from '../core/voice-transcript.ts';
import type { Usage } from '../llm/types.ts';
import { type TurnLimits, createRunContext } from './context.ts';
import { type Agent, type AgentResult, type RunContext, ZERO_USAGE, addUsage } from './types.ts';

export type { TurnLimits };

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
}

const usageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() });

const memorySchema = z.object({
  threadId: z.string(),
  history: z.array(z.object({ role: z.enum(['user', 'model']), parts: z.array(z.record(z.string(), z.unknown())) })),
  systemContext: z.string(),
  used: z.object({
    factIds: z.array(z.string()),
    recalledMessageIds: z.array(z.string()),
    activity: turnActivitySchema.optional(),
  }),
});

/** What the runner keeps in `Suspension.snapshot`: the Network's frame plus what commit and accounting need. */
const runnerSnapshotSchema = z.object({
  v: z.literal(1),
  kind: z.literal('turn'),
  frame: z.unknown(),
  memory: memorySchema.nullable(),
  usage: usageSchema,
  budgetUsed: usageSchema,
  // Snapshots from before the flag existed resume as untrusted (formal approvals): the safe side.
  turnReadUntrusted: z.boolean().default(true),
});
type RunnerSnapshot = z.infer<typeof runnerSnapshotSchema>;

/** A short, friendly line for the user that says what to do next. */
export function userMessageFor(err: unknown): string {
  if (err instanceof LlmError) {
    switch (err.code) {
      case 'llm_rate_limited': {
        const wait = err.retryAfterMs !== undefined && err.retryAfterMs > 60_000 ? 'in a few minutes' : 'in a minute';
        return `Gemini is busy right now — tap Retry ${wait}.`;
      }
      case 'llm_unavailable':
        return "Gemini isn't responding right now — tap Retry in a minute.";
      case 'llm_timeout':
        return 'Gemini took too long to answer — tap Retry to try again.';
      case 'llm_auth':
        return "I can't use Gemini: the API key was refused. The bot owner needs to check GEMINI_API_KEY.";
      case 'llm_bad_request':
        return "Gemini couldn't process that message. Try rephrasing it, or send /new to start a fresh conversation.";
      case 'llm_malformed':
        return 'Gemini sent a garbled answer — tap Retry to try again.';
      case 'llm_aborted':
        return 'Stopped.';
    }
  }
  if (err instanceof AppError) {
    if (err.code === 'store_unavailable' || err.code === 'store_failed')
      return "I couldn't reach my memory just now — tap Retry in a minute.";
    if (err.code === 'invalid_input') return "This request can't be continued any more — please ask again.";
    if (err.code === 'aborted') return 'Stopped.';
  }
  return 'Something went wrong on my side — tap Retry, and if it keeps happening, send /new.';
}

const neverAborted = new AbortController().signal;

function isAbort(err: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  return (err instanceof AppError && err.code === 'aborted') || (err instanceof LlmError && err.code === 'llm_aborted');
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
    turnReadUntrusted: boolean,
    onEvent?: (e: TurnEvent) => void,
  ): RunContext {
    return createRunContext({
      request,
      clock,
      log,
      limits,
      budgetUsed,
      newId,
      turnReadUntrusted,
      ...(onEvent ? { onEvent } : {}),
    });
  }

  async function finish(
    request: TurnRequest,
    log: Logger,
    result: AgentResult,
    usage: Usage,
    memIn: MemoryContext | null,
    budgetUsed: Usage,
    activity: ReturnType<typeof createActivityLog>,
    turnReadUntrusted: boolean,
  ): Promise<TurnOutcome> {
    // What ran is kept with the memory context: across a suspension, and for /why once committed.
    const mem = memIn && { ...memIn, used: { ...memIn.used, activity: activity.result(request, result.grounding) } };
    const outcome: TurnOutcome = { status: result.status, text: result.text, usage, contents: result.contents };
    let remembered = request;
    if (result.status === 'suspended' && hasAudio(request.attachments)) {
      // Shown above the approval prompt; the frame keeps the raw answer, and the resumed turn stores the transcript.
      const heard = takeTranscript(result.text, result.contents).transcript;
      if (heard !== undefined) outcome.transcript = heard;
    } else if (hasAudio(request.attachments)) {
      // The model that heard the audio wrote its transcript first; it is shown apart and stored as the user's words.
      const heard = takeTranscript(result.text, result.contents);
      outcome.text = heard.text;
      if (heard.contents) outcome.contents = heard.contents;
      if (heard.transcript !== undefined) {
        outcome.transcript = heard.transcript;
        remembered = {
          ...request,
          text: [request.text.trim(), heard.transcript].filter(Boolean).join('\n\n'),
          attachments: request.attachments.filter((a) => !hasAudio([a])),
        };
      }
      log.debug({ transcript: heard.transcript !== undefined }, 'voice turn answered');
    }
    if (result.grounding && result.grounding.sources.length + result.grounding.queries.length > 0)
      outcome.grounding = result.grounding;
    if (result.status === 'suspended' && result.suspension) {
      const snapshot: RunnerSnapshot = {
        v: 1,
        kind: 'turn',
        frame: result.suspension.snapshot,
        memory: mem,
        usage,
        budgetUsed,
        turnReadUntrusted,
      };
      outcome.suspension = { snapshot, pending: result.suspension.pending };
      log.info({ pending: result.suspension.pending.map((p) => `${p.agent}.${p.tool}`) }, 'turn suspended');
      return outcome;
    }
    if (memory && mem) {
      try {
        await memory.commit(remembered, mem, outcome);
      } catch (err) {
        // The answer exists; show it even if saving it failed.
        log.error({ err: toError(err) }, 'could not save the turn to memory');
      }
    }
    log.info({ status: outcome.status, tokens: usage.totalTokens }, 'turn finished');
    return outcome;
  }

  function failed(err: unknown, request: TurnRequest, log: Logger, usage: Usage): TurnOutcome {
    if (isAbort(err, request.signal ?? neverAborted)) {
      log.info('turn stopped');
      return { status: 'stopped', text: 'Stopped.', usage };
    }
    const e = err instanceof AppError ? err : new AppError('internal', toError(err).message, { cause: err });
    log.error({ err: e, code: e.code }, 'turn failed');
    return { status: 'failed', text: userMessageFor(e), usage, error: e };
  }

  return {
    async run(request, onEvent) {
      const log = options.log.child({ turnId: request.turnId, chatId: request.chat.chatId });
      const activity = createActivityLog();
      const ctx = context(request, log, ZERO_USAGE, request.untrustedInput === true, (e) => {
        activity.observe(e);
        onEvent?.(e);
      });
      let mem: MemoryContext | null = null;
      try {
        if (memory) mem = await memory.prepare(request);
        if (mem?.othersInHistory) ctx.taint.turnReadUntrusted = true;
        const memoryContext = mem?.systemContext ?? '';
        // A voice turn asks the agent that hears it for the transcript in the same answer (no extra model call).
        const systemContext = hasAudio(request.attachments)
          ? [VOICE_INSTRUCTION, memoryContext].filter(Boolean).join('\n\n')
          : memoryContext;
        const input = {
          history: mem?.history ?? [],
          text: request.text,
          attachments: request.attachments,
          systemContext,
        };
        const result = await network.run(input, ctx);
        return await finish(
          request,
          log,
          result,
          { ...result.usage },
          mem,
          ctx.budget.used,
          activity,
          ctx.taint.turnReadUntrusted,
        );
      } catch (err) {
        return failed(err, request, log, { ...ctx.budget.used });
      }
    },

    async resume(request, suspension: Suspension, resolutions: Record<string, Resolution>, onEvent) {
      const log = options.log.child({ turnId: request.turnId, chatId: request.chat.chatId, resumed: true });
      const parsed = runnerSnapshotSchema.safeParse(suspension.snapshot);
      if (!parsed.success) {
        const e = new AppError(
          'invalid_input',
          `Suspended turn snapshot is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
        );
        log.error({ err: e }, 'cannot resume turn');
        return { status: 'failed', text: userMessageFor(e), usage: { ...ZERO_USAGE }, error: e };
      }
      const snap = parsed.data;
      const activity = createActivityLog(snap.memory?.used.activity);
      const ctx = context(request, log, snap.budgetUsed, snap.turnReadUntrusted, (e) => {
        activity.observe(e);
        onEvent?.(e);
      });
      try {
        const result = await network.resume(snap.frame, resolutions, ctx);
        const usage = { ...snap.usage };
        addUsage(usage, result.usage);
        return await finish(
          request,
          log,
          result,
          usage,
          snap.memory as MemoryContext | null,
          ctx.budget.used,
          activity,
          ctx.taint.turnReadUntrusted,
        );
      } catch (err) {
        // Usage so far plus what the resume spent before failing.
        const used = ctx.budget.used;
        const usage = {
          inputTokens: snap.usage.inputTokens + used.inputTokens - snap.budgetUsed.inputTokens,
          outputTokens: snap.usage.outputTokens + used.outputTokens - snap.budgetUsed.outputTokens,
          totalTokens: snap.usage.totalTokens + used.totalTokens - snap.budgetUsed.totalTokens,
        };
        return failed(err, request, log, usage);
      }
    },
  };
}
