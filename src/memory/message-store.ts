import type { ChatRef } from '../core/outbox.ts';
import type { Store, WriteTx } from '../store/db.ts';
import type { CompactionRow } from './history-budget.ts';
import { topicKey } from './scope.ts';

/** A message waiting for its embedding. */
export interface UnembeddedMessage {
  id: number;
  scope: string;
  text: string;
}

/** A scope's extraction state. */
export interface ScopeState {
  userId: number;
  chatId: number;
  extractedUpto: number;
}

/** A user message not yet looked at by the fact extractor. */
export interface PendingUserMessage {
  id: number;
  text: string;
  turnId: string;
  createdAt: number;
}

/** A message found by vector recall, with the reply to it. */
export interface RecallRow {
  id: number;
  threadId: string;
  scope: string;
  text: string;
  createdAt: number;
  reply: string | undefined;
}

/** One stored row of a turn (`memory_messages`). */
export interface MessageInsert {
  threadId: string;
  chat: ChatRef;
  userId: number;
  userName: string | null;
  scope: string;
  role: 'user' | 'model';
  text: string;
  contents: string | null;
  tokens: number;
  turnId: string;
  /** 0 = to embed, 1 = embedded, 2 = never embedded. */
  embedState: 0 | 1 | 2;
  createdAt: number;
}

/** Inserts a message row unless the turn already stored it; returns its id when inserted. */
export async function insertMessage(tx: WriteTx, m: MessageInsert): Promise<number | undefined> {
  const r = await tx.run(
    `INSERT OR IGNORE INTO memory_messages (thread_id, chat_id, topic_id, user_id, user_name, scope, role, text, contents,
     tokens, turn_id, embed_state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      m.threadId,
      m.chat.chatId,
      topicKey(m.chat),
      m.userId,
      m.userName,
      m.scope,
      m.role,
      m.text,
      m.contents,
      m.tokens,
      m.turnId,
      m.embedState,
      m.createdAt,
    ],
  );
  return r.changes === 1 && r.lastInsertRowid !== undefined ? Number(r.lastInsertRowid) : undefined;
}

/** Creates or touches the scope's row (its extraction watermark starts at 0). */
export async function touchScope(tx: WriteTx, scope: string, userId: number, chatId: number, now: number) {
  await tx.run(
    `INSERT INTO memory_scopes (scope, user_id, chat_id, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (scope) DO UPDATE SET updated_at = excluded.updated_at`,
    [scope, userId, chatId, now],
  );
}

/** Stores a message's vector. */
export async function insertVector(tx: WriteTx, scope: string, messageId: number, blob: Uint8Array): Promise<void> {
  await tx.run('INSERT OR REPLACE INTO memory_vectors (scope, message_id, vec) VALUES (?, ?, ?)', [
    scope,
    messageId,
    blob,
  ]);
}

/** Marks the thread as used now. */
export async function touchThread(tx: WriteTx, threadId: string, now: number): Promise<void> {
  await tx.run('UPDATE memory_threads SET updated_at = ? WHERE id = ?', [now, threadId]);
}

/** SQL of `memory_messages`, `memory_vectors` and `memory_scopes` outside a turn's own write. */
export function createMessageStore(store: Store) {
  return {
    /** Every vector of a scope, in message id order. */
    async scopeVectors(scope: string): Promise<{ id: number; vec: unknown }[]> {
      const rows = await store.query('SELECT message_id, vec FROM memory_vectors WHERE scope = ? ORDER BY message_id', [
        scope,
      ]);
      return rows.map((r) => ({ id: Number(r.message_id), vec: r.vec }));
    },

    async unembedded(limit: number): Promise<UnembeddedMessage[]> {
      const rows = await store.query(
        'SELECT id, scope, text FROM memory_messages WHERE embed_state = 0 AND embed_attempts < 6 ORDER BY id LIMIT ?',
        [limit],
      );
      return rows.map((r) => ({ id: Number(r.id), scope: String(r.scope), text: String(r.text) }));
    },

    async countEmbedFailure(ids: number[]): Promise<void> {
      await store.batch(
        ids.map((id) => ({
          sql: 'UPDATE memory_messages SET embed_attempts = embed_attempts + 1 WHERE id = ?',
          args: [id],
        })),
      );
    },

    async saveVectors(items: { id: number; blob: Uint8Array }[]): Promise<void> {
      await store.batch(
        items.flatMap((it) => [
          {
            sql: 'INSERT OR REPLACE INTO memory_vectors (scope, message_id, vec) SELECT scope, id, ? FROM memory_messages WHERE id = ?',
            args: [it.blob, it.id],
          },
          { sql: 'UPDATE memory_messages SET embed_state = 1 WHERE id = ?', args: [it.id] },
        ]),
      );
    },

    /** A thread's messages after `afterId`, oldest first. */
    async threadMessagesAfter(threadId: string, afterId: number): Promise<CompactionRow[]> {
      const rows = await store.query(
        'SELECT id, role, text, user_name, tokens, turn_id FROM memory_messages WHERE thread_id = ? AND id > ? ORDER BY id',
        [threadId, afterId],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        role: r.role === 'model' ? 'model' : 'user',
        text: String(r.text),
        userName: r.user_name == null ? null : String(r.user_name),
        tokens: Number(r.tokens ?? 0),
        turnId: String(r.turn_id),
      }));
    },

    async scopeState(scope: string): Promise<ScopeState | undefined> {
      const s = await store.get('SELECT user_id, chat_id, extracted_upto FROM memory_scopes WHERE scope = ?', [scope]);
      return s
        ? { userId: Number(s.user_id), chatId: Number(s.chat_id), extractedUpto: Number(s.extracted_upto) }
        : undefined;
    },

    /** Up to 30 user messages of a scope after its extraction watermark, oldest first. */
    async userMessagesAfter(scope: string, upto: number): Promise<PendingUserMessage[]> {
      const rows = await store.query(
        "SELECT id, text, turn_id, created_at FROM memory_messages WHERE scope = ? AND role = 'user' AND id > ? ORDER BY id LIMIT 30",
        [scope, upto],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        text: String(r.text),
        turnId: String(r.turn_id),
        createdAt: Number(r.created_at),
      }));
    },

    /** The assistant's replies to these turns, by turn id. */
    async repliesOf(scope: string, turnIds: string[]): Promise<Map<string, string>> {
      const rows = await store.query(repliesOfSql(turnIds.length), [scope, ...turnIds]);
      return new Map(rows.map((r) => [String(r.turn_id), String(r.text)]));
    },

    async advanceExtraction(scope: string, lastId: number, now: number): Promise<void> {
      await store.run(
        'UPDATE memory_scopes SET extracted_upto = ?, updated_at = ? WHERE scope = ? AND extracted_upto < ?',
        [lastId, now, scope, lastId],
      );
    },

    /** Each scope with the time of its oldest user message not yet extracted (null when none). */
    async oldestPending(): Promise<{ scope: string; oldest: number | null }[]> {
      // One index range per scope (scope, id > watermark) instead of a scan of every message.
      const rows = await store.query(
        `SELECT s.scope, (SELECT MIN(m.created_at) FROM memory_messages m
                          WHERE m.scope = s.scope AND m.id > s.extracted_upto AND m.role = 'user') AS oldest
         FROM memory_scopes s`,
      );
      return rows.map((r) => ({ scope: String(r.scope), oldest: r.oldest == null ? null : Number(r.oldest) }));
    },

    async recallRows(ids: number[]): Promise<Map<number, RecallRow>> {
      const rows = await store.query(
        `SELECT m.id, m.thread_id, m.scope, m.text, m.created_at,
          (SELECT r.text FROM memory_messages r WHERE r.turn_id = m.turn_id AND r.role = 'model') AS reply
         FROM memory_messages m WHERE m.id IN (${ids.map(() => '?').join(',')})`,
        ids,
      );
      return new Map(
        rows.map((r) => [
          Number(r.id),
          {
            id: Number(r.id),
            threadId: String(r.thread_id),
            scope: String(r.scope),
            text: String(r.text),
            createdAt: Number(r.created_at),
            reply: r.reply == null ? undefined : String(r.reply),
          },
        ]),
      );
    },

    /** Text and time of messages by id (for /why). */
    async byIds(ids: number[]): Promise<Map<string, { text: string; at: number }>> {
      if (ids.length === 0) return new Map();
      const rows = await store.query(
        `SELECT id, text, created_at FROM memory_messages WHERE id IN (${ids.map(() => '?').join(',')})`,
        ids,
      );
      return new Map(rows.map((r) => [String(r.id), { text: String(r.text), at: Number(r.created_at) }]));
    },

    /** The chat's active thread, if it has one. */
    async activeThread(chat: ChatRef): Promise<string | undefined> {
      const row = await store.get('SELECT thread_id FROM memory_active_threads WHERE chat_id = ? AND topic_id = ?', [
        chat.chatId,
        topicKey(chat),
      ]);
      return row ? String(row.thread_id) : undefined;
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;

/**
 * The assistant's replies to `n` turns of a scope. `+scope` keeps SQLite off the (scope, id) index: with it the
 * planner walked a whole scope (24 ms at 10k messages, on the event loop) instead of n lookups in (turn_id, role).
 */
export function repliesOfSql(n: number): string {
  return `SELECT turn_id, text FROM memory_messages WHERE role = 'model' AND +scope = ? AND turn_id IN (${Array.from({ length: n }, () => '?').join(',')})`;
}
