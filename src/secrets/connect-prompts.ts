import type { Clock } from '../core/clock.ts';
import type { Row, Store } from '../store/db.ts';

/**
 * An open `/connect <name>` in a private chat: `waiting` for the value (the user's next text message), then
 * `stored` or `failed` once the intake caught that message (its id in `valueMessageId`) until the chat feature has
 * deleted it and answered. Never holds the value.
 */
export interface ConnectPrompt {
  userId: number;
  chatId: number;
  name: string;
  status: 'waiting' | 'stored' | 'failed';
  promptMessageId: number | undefined;
  valueMessageId: number | undefined;
  /** Error code when `failed` (e.g. `secrets_key_missing`). */
  error: string | undefined;
  /** Whether storing replaced an older value of the same name. */
  replaced: boolean;
  expiresAt: number;
}

/** The pending /connect requests (table `secret_prompts`, migration 026): one per user. */
export interface ConnectPrompts {
  /** Opens (or replaces) the user's request for `name`, waiting for `ttlMs`. */
  open(userId: number, chatId: number, name: string, ttlMs: number): Promise<ConnectPrompt>;
  /** Remembers the message that asked for the value (to close its Cancel button). */
  setPromptMessage(userId: number, messageId: number): Promise<void>;
  /** The user's request still waiting for its value in `chatId` (not expired), if any. */
  waiting(userId: number, chatId: number): Promise<ConnectPrompt | undefined>;
  /**
   * Claims the waiting request for message `valueMessageId` (the value): compare-and-set on `waiting`, false when
   * there is none (cancelled or expired meanwhile). The row reads `stored` until `settle` says otherwise.
   */
  capture(userId: number, valueMessageId: number): Promise<boolean>;
  /** Records how storing the captured value went. */
  settle(userId: number, outcome: { ok: true; replaced: boolean } | { ok: false; error: string }): Promise<void>;
  /** The request whose value message is `messageId` in `chatId`, once captured. */
  captured(userId: number, chatId: number, messageId: number): Promise<ConnectPrompt | undefined>;
  /** The user's request in any state (for Cancel and the expiry notice). */
  get(userId: number): Promise<ConnectPrompt | undefined>;
  /** Deletes the user's request; returns it when there was one. */
  close(userId: number): Promise<ConnectPrompt | undefined>;
  /** Deletes requests that expired more than `graceMs` ago. Returns how many. */
  sweep(graceMs: number): Promise<number>;
}

const COLUMNS = 'user_id, chat_id, name, status, prompt_message_id, value_message_id, error, replaced, expires_at';

function toPrompt(r: Row): ConnectPrompt {
  return {
    userId: Number(r.user_id),
    chatId: Number(r.chat_id),
    name: String(r.name),
    status: r.status as ConnectPrompt['status'],
    promptMessageId: r.prompt_message_id == null ? undefined : Number(r.prompt_message_id),
    valueMessageId: r.value_message_id == null ? undefined : Number(r.value_message_id),
    error: r.error == null ? undefined : String(r.error),
    replaced: Number(r.replaced) === 1,
    expiresAt: Number(r.expires_at),
  };
}

/** Creates the pending-request store. Times come from the Clock. */
export function createConnectPrompts(deps: { store: Store; clock: Clock }): ConnectPrompts {
  const { store, clock } = deps;
  const get = async (userId: number) => {
    const row = await store.get(`SELECT ${COLUMNS} FROM secret_prompts WHERE user_id = ?`, [userId]);
    return row ? toPrompt(row) : undefined;
  };
  return {
    async open(userId, chatId, name, ttlMs) {
      const now = clock.now();
      await store.run(
        `INSERT OR REPLACE INTO secret_prompts (user_id, chat_id, name, status, expires_at, created_at)
         VALUES (?, ?, ?, 'waiting', ?, ?)`,
        [userId, chatId, name, now + ttlMs, now],
      );
      return {
        userId,
        chatId,
        name,
        status: 'waiting',
        promptMessageId: undefined,
        valueMessageId: undefined,
        error: undefined,
        replaced: false,
        expiresAt: now + ttlMs,
      };
    },
    async setPromptMessage(userId, messageId) {
      await store.run('UPDATE secret_prompts SET prompt_message_id = ? WHERE user_id = ?', [messageId, userId]);
    },
    async waiting(userId, chatId) {
      const row = await store.get(
        `SELECT ${COLUMNS} FROM secret_prompts WHERE user_id = ? AND chat_id = ? AND status = 'waiting' AND expires_at > ?`,
        [userId, chatId, clock.now()],
      );
      return row ? toPrompt(row) : undefined;
    },
    async capture(userId, valueMessageId) {
      const r = await store.run(
        `UPDATE secret_prompts SET status = 'stored', value_message_id = ?
         WHERE user_id = ? AND status = 'waiting' AND expires_at > ?`,
        [valueMessageId, userId, clock.now()],
      );
      return r.changes > 0;
    },
    async settle(userId, outcome) {
      await store.run(
        `UPDATE secret_prompts SET status = ?, error = ?, replaced = ? WHERE user_id = ? AND status = 'stored'`,
        [
          outcome.ok ? 'stored' : 'failed',
          outcome.ok ? null : outcome.error,
          outcome.ok && outcome.replaced ? 1 : 0,
          userId,
        ],
      );
    },
    async captured(userId, chatId, messageId) {
      const row = await store.get(
        `SELECT ${COLUMNS} FROM secret_prompts WHERE user_id = ? AND chat_id = ? AND value_message_id = ?`,
        [userId, chatId, messageId],
      );
      return row ? toPrompt(row) : undefined;
    },
    get,
    async close(userId) {
      const prompt = await get(userId);
      if (prompt) await store.run('DELETE FROM secret_prompts WHERE user_id = ?', [userId]);
      return prompt;
    },
    async sweep(graceMs) {
      const r = await store.run('DELETE FROM secret_prompts WHERE expires_at < ?', [clock.now() - graceMs]);
      return r.changes;
    },
  };
}
