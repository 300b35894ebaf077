import { toError } from '../core/errors.ts';

/** Longest tool result (in characters of JSON) the model sees; the rest is cut with a note. */
export const MAX_TOOL_RESULT_CHARS = 20_000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function truncated(text: string): Record<string, unknown> {
  return {
    result: `${text.slice(0, MAX_TOOL_RESULT_CHARS)}\n\n[output truncated — the original was ${text.length} characters]`,
  };
}

/** Turns a tool's return value into a JSON-safe functionResponse, truncated to MAX_TOOL_RESULT_CHARS. */
export function toToolResponse(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return { result: 'done' };
  if (typeof value === 'string') return value.length > MAX_TOOL_RESULT_CHARS ? truncated(value) : { result: value };
  let json: string;
  try {
    json = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? '"done"';
  } catch (err) {
    return { error: `The tool returned a value that cannot be sent to the model: ${toError(err).message}` };
  }
  if (json.length > MAX_TOOL_RESULT_CHARS) return truncated(json);
  const plain = JSON.parse(json) as unknown;
  return isPlainObject(plain) ? plain : { result: plain };
}

/** A one-line summary of a tool response for the `tool-result` event (at most 200 characters). */
export function summarizeResponse(response: Record<string, unknown>): string {
  const text = typeof response.error === 'string' ? response.error : JSON.stringify(response.result ?? response);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
