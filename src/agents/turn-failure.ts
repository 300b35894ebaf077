import { AppError, LlmError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { TurnOutcome, TurnRequest } from '../core/turn.ts';
import type { Usage } from '../llm/types.ts';

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

/** A turn that threw: `stopped` when it was stopped, else `failed` with a user line. */
export function failedOutcome(err: unknown, request: TurnRequest, log: Logger, usage: Usage): TurnOutcome {
  if (isAbort(err, request.signal ?? neverAborted)) {
    log.info('turn stopped');
    return { status: 'stopped', text: 'Stopped.', usage };
  }
  const e = err instanceof AppError ? err : new AppError('internal', toError(err).message, { cause: err });
  log.error({ err: e, code: e.code }, 'turn failed');
  return { status: 'failed', text: userMessageFor(e), usage, error: e };
}
