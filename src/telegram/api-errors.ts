import { GrammyError, HttpError } from 'grammy';

/** What a failed Bot API call means for the caller. */
export type ApiFailure =
  | { kind: 'rate_limited'; retryAfterMs: number; description: string }
  | { kind: 'transient'; description: string }
  | { kind: 'parse'; description: string }
  | { kind: 'too_long'; description: string }
  | { kind: 'not_modified'; description: string }
  | { kind: 'not_found'; description: string }
  | { kind: 'blocked'; description: string }
  | { kind: 'chat_not_found'; description: string }
  | { kind: 'migrated'; newChatId: number; description: string }
  | { kind: 'permanent'; description: string };

const BLOCKED = [
  'bot was blocked by the user',
  'user is deactivated',
  'bot was kicked',
  'bot is not a member',
  'not enough rights to send',
  'have no rights to send',
  "bot can't initiate conversation",
  'chat_write_forbidden',
];

/**
 * Classifies a grammY error (GrammyError: Telegram said no; HttpError: the request never got a clean answer).
 * Unknown non-grammY errors (e.g. a thrown TypeError from a bad payload) are permanent: retrying won't help.
 */
export function classifyApiError(err: unknown): ApiFailure {
  if (err instanceof GrammyError) {
    const description = err.description ?? '';
    const d = description.toLowerCase();
    const code = err.error_code;
    const params = err.parameters ?? {};
    if (code === 429) {
      const seconds = typeof params.retry_after === 'number' ? params.retry_after : 1;
      return { kind: 'rate_limited', retryAfterMs: Math.max(0, seconds) * 1000, description };
    }
    if (typeof params.migrate_to_chat_id === 'number') {
      return { kind: 'migrated', newChatId: params.migrate_to_chat_id, description };
    }
    if (code >= 500) return { kind: 'transient', description };
    if (d.includes("can't parse entities") || d.includes("can't find end tag") || d.includes('unsupported start tag')) {
      return { kind: 'parse', description };
    }
    if (d.includes('message is too long') || d.includes('text is too long') || d.includes('caption is too long')) {
      return { kind: 'too_long', description };
    }
    if (d.includes('message is not modified')) return { kind: 'not_modified', description };
    if (
      d.includes('message to edit not found') ||
      d.includes('message to delete not found') ||
      d.includes("message can't be edited")
    ) {
      return { kind: 'not_found', description };
    }
    if (d.includes('chat not found')) return { kind: 'chat_not_found', description };
    if (code === 403 || BLOCKED.some((s) => d.includes(s))) return { kind: 'blocked', description };
    if (d.includes('too many requests')) return { kind: 'rate_limited', retryAfterMs: 1000, description };
    return { kind: 'permanent', description: description || `error ${code}` };
  }
  if (err instanceof HttpError) {
    return { kind: 'transient', description: err.message };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_)/.test(code)) {
    return { kind: 'transient', description: e.message };
  }
  return { kind: 'permanent', description: e.message };
}
