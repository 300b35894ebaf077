import type { ApiError } from '@google/genai';
import { LlmError, toError } from '../core/errors.ts';
import type { Attempt } from './gemini-attempt.ts';
import { parseRetryAfter, retryInfoDelay } from './retry.ts';

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK_ERROR =
  /fetch failed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket|other side closed|terminated|network/i;

/** A failed attempt as an LlmError, and whether another attempt may help. */
export interface Failure {
  error: LlmError;
  retryable: boolean;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The SDK's ApiError, recognised by shape: the SDK is loaded on first use, so its class is not imported here. */
function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && err.name === 'ApiError' && typeof (err as { status?: unknown }).status === 'number';
}

/** Extracts a short human message from an ApiError whose message is the JSON error body. */
function apiErrorDetails(err: ApiError): { message: string; body: unknown } {
  const raw = err.message;
  const start = raw.indexOf('{');
  const body = start >= 0 ? parseJson(raw.slice(start)) : undefined;
  const inner = (body as { error?: { message?: unknown; status?: unknown } } | undefined)?.error;
  const message = typeof inner?.message === 'string' ? inner.message : raw.slice(0, 200);
  const status = typeof inner?.status === 'string' ? ` ${inner.status}` : '';
  return { message: `${message.slice(0, 300)}${status ? ` (${status.trim()})` : ''}`, body };
}

/** Maps an HTTP error from Gemini by status (429, auth, unavailable, bad request), with the delay it asked for. */
function classifyApiError(err: ApiError, attempt: Attempt, nowMs: number): Failure {
  const { message, body } = apiErrorDetails(err);
  const status = err.status;
  const retryAfterMs = parseRetryAfter(attempt.retryAfterHeader, nowMs) ?? retryInfoDelay(body);
  const opts = { cause: err, status, retryAfterMs };
  const retryable = RETRYABLE_STATUS.has(status);
  if (status === 429)
    return { error: new LlmError('llm_rate_limited', `Gemini rate limit (429): ${message}`, opts), retryable };
  if (status === 401 || status === 403)
    return { error: new LlmError('llm_auth', `Gemini refused the API key (${status}): ${message}`, opts), retryable };
  if (status === 408 || status >= 500)
    return { error: new LlmError('llm_unavailable', `Gemini unavailable (${status}): ${message}`, opts), retryable };
  return {
    error: new LlmError('llm_bad_request', `Gemini rejected the request (${status}): ${message}`, opts),
    retryable,
  };
}

/** Maps a non-HTTP failure: an abort, a garbled stream, or a network error (the only retryable kind). */
function classifyThrown(err: unknown): Failure {
  const e = toError(err);
  const causeMessage = e.cause instanceof Error ? ` ${e.cause.message}` : '';
  if (e.name === 'AbortError' || e.name === 'TimeoutError')
    return {
      error: new LlmError('llm_timeout', 'Gemini request was aborted before it completed', { cause: e }),
      retryable: false,
    };
  if (/Incomplete JSON segment|exception parsing stream chunk|Unexpected token|JSON/.test(e.message))
    return {
      error: new LlmError('llm_malformed', `Gemini sent a malformed response: ${e.message.slice(0, 200)}`, {
        cause: e,
      }),
      retryable: false,
    };
  if (e instanceof TypeError || NETWORK_ERROR.test(e.message + causeMessage))
    return {
      error: new LlmError('llm_unavailable', `Cannot reach Gemini: ${e.message}${causeMessage}`, { cause: e }),
      retryable: true,
    };
  return { error: new LlmError('llm_unavailable', `Gemini call failed: ${e.message}`, { cause: e }), retryable: false };
}

/** Maps anything thrown by the SDK to an LlmError; `retryable` says whether another attempt may help. */
export function classify(
  err: unknown,
  attempt: Attempt,
  caller: AbortSignal | undefined,
  timeoutMs: number,
  nowMs: number,
): Failure {
  if (err instanceof LlmError) return { error: err, retryable: false };
  if (caller?.aborted)
    return { error: new LlmError('llm_aborted', 'The model call was cancelled', { cause: err }), retryable: false };
  if (attempt.timedOut)
    return {
      error: new LlmError('llm_timeout', `Gemini did not respond within ${Math.round(timeoutMs / 1000)} s`, {
        cause: err,
      }),
      retryable: false,
    };
  if (isApiError(err)) return classifyApiError(err, attempt, nowMs);
  return classifyThrown(err);
}
