import type { Clock, IdGen } from '../core/clock.ts';
import type { ChatRef } from '../core/outbox.ts';
import type { Content } from '../llm/types.ts';
import type { Store } from '../store/db.ts';
import { topicKey } from './scope.ts';

/** A message row as history needs it. */
export interface HistoryMessage {
  id: number;
  role: 'user' | 'model';
  text: string;
  userName: string | null;
  /** Who wrote a user message (for telling the requester's own words from other members'). */
  userId?: number;
  tokens: number;
}

export interface ThreadRow {
  id: string;
  summary: string | null;
  summaryUpto: number;
  summaryTokens: number;
}

/** Thread bookkeeping: one active thread per chat or forum topic. */
export function createThreads(deps: { store: Store; clock: Clock; ids: IdGen }) {
  const { store, clock, ids } = deps;

  async function create(chat: ChatRef): Promise<string> {
    const id = ids();
    const now = clock.now();
    await store.batch([
      {
        sql: 'INSERT INTO memory_threads (id, chat_id, topic_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        args: [id, chat.chatId, topicKey(chat), now, now],
      },
      {
        sql: `INSERT INTO memory_active_threads (chat_id, topic_id, thread_id) VALUES (?, ?, ?)
              ON CONFLICT (chat_id, topic_id) DO UPDATE SET thread_id = excluded.thread_id`,
        args: [chat.chatId, topicKey(chat), id],
      },
    ]);
    return id;
  }

  async function active(chat: ChatRef): Promise<string> {
    const row = await store.get('SELECT thread_id FROM memory_active_threads WHERE chat_id = ? AND topic_id = ?', [
      chat.chatId,
      topicKey(chat),
    ]);
    if (row) return String(row.thread_id);
    return create(chat);
  }

  async function get(threadId: string): Promise<ThreadRow | undefined> {
    const row = await store.get('SELECT id, summary, summary_upto, summary_tokens FROM memory_threads WHERE id = ?', [
      threadId,
    ]);
    return row ? toThreadRow(row) : undefined;
  }

  return {
    /** The chat's active thread id, created on first use. */
    active,

    /** The chat's active thread with its summary, created on first use (one read on the turn path). */
    async activeRow(chat: ChatRef): Promise<ThreadRow> {
      const row = await store.get(
        `SELECT t.id, t.summary, t.summary_upto, t.summary_tokens FROM memory_active_threads a
         JOIN memory_threads t ON t.id = a.thread_id WHERE a.chat_id = ? AND a.topic_id = ?`,
        [chat.chatId, topicKey(chat)],
      );
      if (row) return toThreadRow(row);
      // No active thread yet (or it points at a deleted one): as before, the id alone, history from the start.
      const id = await active(chat);
      return (await get(id)) ?? { id, summary: null, summaryUpto: 0, summaryTokens: 0 };
    },

    /** Starts a fresh thread (for /new). */
    create,

    get,

    /** Messages after the summary watermark, newest first, up to `limit` rows. */
    async recent(threadId: string, afterId: number, limit: number): Promise<HistoryMessage[]> {
      const rows = await store.query(
        `SELECT id, role, text, user_name, user_id, tokens FROM memory_messages
         WHERE thread_id = ? AND id > ? ORDER BY id DESC LIMIT ?`,
        [threadId, afterId, limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        role: r.role === 'model' ? 'model' : 'user',
        text: String(r.text),
        userName: r.user_name == null ? null : String(r.user_name),
        ...(r.user_id == null ? {} : { userId: Number(r.user_id) }),
        tokens: Number(r.tokens),
      }));
    },

    async unsummarizedTokens(threadId: string, afterId: number): Promise<number> {
      const row = await store.get(
        'SELECT COALESCE(SUM(tokens), 0) AS t FROM memory_messages WHERE thread_id = ? AND id > ?',
        [threadId, afterId],
      );
      return Number(row?.t ?? 0);
    },

    async saveSummary(threadId: string, summary: string, upto: number, tokens: number): Promise<void> {
      await store.run(
        'UPDATE memory_threads SET summary = ?, summary_upto = ?, summary_tokens = ?, updated_at = ? WHERE id = ? AND summary_upto < ?',
        [summary, upto, tokens, clock.now(), threadId, upto],
      );
    },
  };
}

export type Threads = ReturnType<typeof createThreads>;

function toThreadRow(row: Record<string, unknown>): ThreadRow {
  return {
    id: String(row.id),
    summary: row.summary == null ? null : String(row.summary),
    summaryUpto: Number(row.summary_upto),
    summaryTokens: Number(row.summary_tokens),
  };
}

/** Converts stored messages (oldest first) to model contents; in groups user turns carry the speaker's name. */
export function toContents(messages: HistoryMessage[], group: boolean): Content[] {
  const out: Content[] = [];
  for (const m of messages) {
    const text = group && m.role === 'user' && m.userName ? `${m.userName}: ${m.text}` : m.text;
    const last = out[out.length - 1];
    // Merge consecutive same-role turns (e.g. a failed turn left no reply) so roles keep alternating.
    const lastPart = last?.parts[0];
    if (last && last.role === m.role && lastPart && 'text' in lastPart) {
      lastPart.text = `${lastPart.text}\n\n${text}`;
    } else {
      out.push({ role: m.role, parts: [{ text }] });
    }
  }
  return out;
}
