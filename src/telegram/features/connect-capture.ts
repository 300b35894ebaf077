import type { Update } from 'grammy/types';
import { AppError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ConnectPrompts } from '../../secrets/connect-prompts.ts';
import { isSecretName } from '../../secrets/secret-name.ts';
import type { SecretStore } from '../../secrets/secret-store.ts';
import { stripUpdate } from '../intake/classify.ts';

/** How long /connect waits for the value. */
export const CONNECT_TTL_MS = 10 * 60 * 1000;

/** `/connect <name> <value…>`: the value typed into the command itself. */
const INLINE_VALUE = /^\/connect(?:@\w+)?\s+(\S+)\s+\S/is;

/**
 * Replaces an update before anything records it (see FeatureModule.intercept), or returns undefined to leave it.
 *
 * The value a user sends after `/connect <name>` is encrypted and stored right here, at intake, and the update goes
 * on as a bare message (ids only, no text): the journal, the model, memory, logs and /export never see the value.
 * The chat feature then deletes the user's message and confirms (`connect.ts`, in chat order). The same for a value
 * typed into the command (`/connect todoist <value>`), an edit of a captured message, and such a command in a group
 * (not stored there: a group is no place for it).
 */
export function createValueCapture(deps: {
  prompts: ConnectPrompts;
  secrets: Pick<SecretStore, 'put'>;
  log: Logger;
  now: () => number;
  /** Whether the bot serves this user (only they may store secrets). */
  isServed: (userId: number) => Promise<boolean>;
  ttlMs?: number;
}): (update: Update) => Promise<Update | undefined> {
  const { prompts, secrets, log, now, isServed } = deps;

  async function store(userId: number, messageId: number, name: string, value: string): Promise<void> {
    if (!(await prompts.capture(userId, messageId))) return;
    try {
      const { replaced } = await secrets.put(userId, name, value);
      await prompts.settle(userId, { ok: true, replaced });
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'internal';
      // The error never holds the value (messages name the secret, the key version and the cause's code only).
      log.warn({ err: toError(err), code, user_id: userId }, 'could not store a /connect value');
      await prompts.settle(userId, { ok: false, error: code });
    }
  }

  return async (update) => {
    const edited = update.edited_message;
    if (edited?.from && edited.chat?.type === 'private') {
      const captured = await prompts.captured(edited.from.id, edited.chat.id, edited.message_id);
      return captured ? stripUpdate(update) : undefined;
    }
    const m = update.message;
    if (!m?.from || !m.chat || typeof m.text !== 'string') return undefined;
    const inline = INLINE_VALUE.exec(m.text);
    if (inline) {
      const name = (inline[1] ?? '').toLowerCase();
      if (m.chat.type === 'private' && m.chat.id === m.from.id && isSecretName(name) && (await isServed(m.from.id))) {
        const value = m.text.slice(inline[0].length - 1).trim();
        await prompts.open(m.from.id, m.chat.id, name, deps.ttlMs ?? CONNECT_TTL_MS);
        await store(m.from.id, m.message_id, name, value);
      }
      return stripUpdate(update);
    }
    if (m.chat.type !== 'private' || m.text.startsWith('/')) return undefined;
    const prompt = await prompts.get(m.from.id);
    if (!prompt || prompt.chatId !== m.chat.id) return undefined;
    // Redelivered by Telegram after a crash between this capture and the journal: still never recorded.
    if (prompt.valueMessageId === m.message_id) return stripUpdate(update);
    if (prompt.status !== 'waiting' || prompt.expiresAt <= now()) return undefined;
    if (await isServed(m.from.id)) await store(m.from.id, m.message_id, prompt.name, m.text.trim());
    else await prompts.close(m.from.id);
    return stripUpdate(update);
  };
}
