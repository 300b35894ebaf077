import { AppError, LlmError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { TurnOutcome, TurnRequest } from '../core/turn.ts';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale.ts';
import type { Usage } from '../llm/types.ts';
import { agentTexts } from './agent-texts.ts';

/** A short, friendly line for the user that says what to do next, in their language. */
export function userMessageFor(err: unknown, locale: Locale = DEFAULT_LOCALE): string {
  const t = agentTexts(locale);
  if (err instanceof LlmError) {
    switch (err.code) {
      case 'llm_rate_limited':
        return err.retryAfterMs !== undefined && err.retryAfterMs > 60_000 ? t.busyLater : t.busySoon;
      case 'llm_unavailable':
        return t.unavailable;
      case 'llm_timeout':
        return t.timeout;
      case 'llm_auth':
        return t.auth;
      case 'llm_bad_request':
        return t.badRequest;
      case 'llm_malformed':
        return t.malformed;
      case 'llm_aborted':
        return t.stopped;
    }
  }
  if (err instanceof AppError) {
    if (err.code === 'store_unavailable' || err.code === 'store_failed') return t.storeDown;
    if (err.code === 'invalid_input') return t.expired;
    if (err.code === 'aborted') return t.stopped;
  }
  return t.internal;
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
    return { status: 'stopped', text: agentTexts(request.locale ?? DEFAULT_LOCALE).stopped, usage };
  }
  const e = err instanceof AppError ? err : new AppError('internal', toError(err).message, { cause: err });
  log.error({ err: e, code: e.code }, 'turn failed');
  return { status: 'failed', text: userMessageFor(e, request.locale ?? DEFAULT_LOCALE), usage, error: e };
}
