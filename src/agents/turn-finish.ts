import type { createActivityLog } from '../core/activity.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ConversationMemory, MemoryContext } from '../core/memory.ts';
import type { TurnOutcome, TurnRequest } from '../core/turn.ts';
import { hasAudio, takeTranscript } from '../core/voice-transcript.ts';
import type { Usage } from '../llm/types.ts';
import { processOutcome } from './processing-steps.ts';
import type { TurnProcessing } from './processors.ts';
import type { RunnerSnapshot } from './turn-snapshot.ts';
import type { AgentResult, TurnTaint } from './types.ts';

/** A finished (or suspended) agent run and what the turn carried along. */
export interface FinishedRun {
  request: TurnRequest;
  log: Logger;
  result: AgentResult;
  usage: Usage;
  memIn: MemoryContext | null;
  budgetUsed: Usage;
  activity: ReturnType<typeof createActivityLog>;
  turnReadUntrusted: boolean;
  /** The guards' processing of the turn: the answer passes its before-answer processors. */
  processing?: TurnProcessing;
  /** The turn's taint sources and user-named hosts, kept in a suspension snapshot. */
  taint?: TurnTaint;
}

/**
 * A voice turn's transcript, shown apart: a suspended run only shows it (the frame keeps the raw answer); a finished
 * one also strips it from the answer and remembers it as the user's words. Returns the request to remember.
 */
function applyTranscript(run: FinishedRun, outcome: TurnOutcome): TurnRequest {
  const { request, result, log } = run;
  if (!hasAudio(request.attachments)) return request;
  if (result.status === 'suspended') {
    // Shown above the approval prompt; the frame keeps the raw answer, and the resumed turn stores the transcript.
    const heard = takeTranscript(result.text, result.contents).transcript;
    if (heard !== undefined) outcome.transcript = heard;
    return request;
  }
  // The model that heard the audio wrote its transcript first; it is shown apart and stored as the user's words.
  const heard = takeTranscript(result.text, result.contents);
  outcome.text = heard.text;
  if (heard.contents) outcome.contents = heard.contents;
  let remembered = request;
  if (heard.transcript !== undefined) {
    outcome.transcript = heard.transcript;
    remembered = {
      ...request,
      text: [request.text.trim(), heard.transcript].filter(Boolean).join('\n\n'),
      attachments: request.attachments.filter((a) => !hasAudio([a])),
    };
  }
  log.debug({ transcript: heard.transcript !== undefined }, 'voice turn answered');
  return remembered;
}

/** Turns an agent result into the turn's outcome: a suspension snapshot, or the answer committed to memory. */
export async function finishTurn(run: FinishedRun, memory: ConversationMemory | undefined): Promise<TurnOutcome> {
  const { request, log, result, usage, memIn, activity } = run;
  const outcome: TurnOutcome = { status: result.status, text: result.text, usage, contents: result.contents };
  const remembered = applyTranscript(run, outcome);
  if (run.processing && result.status !== 'suspended')
    await processOutcome(run.processing, outcome, (e) => activity.observe(e));
  // What ran is kept with the memory context: across a suspension, and for /why once committed.
  const mem = memIn && { ...memIn, used: { ...memIn.used, activity: activity.result(request, result.grounding) } };
  if (result.grounding && result.grounding.sources.length + result.grounding.queries.length > 0)
    outcome.grounding = result.grounding;
  if (result.status === 'suspended' && result.suspension) {
    const snapshot: RunnerSnapshot = {
      v: 1,
      kind: 'turn',
      frame: result.suspension.snapshot,
      memory: mem,
      usage,
      budgetUsed: run.budgetUsed,
      turnReadUntrusted: run.turnReadUntrusted,
      ...(run.taint ? { taintSources: run.taint.sources, userHosts: run.taint.userHosts } : {}),
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
