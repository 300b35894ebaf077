import type { Store } from '../store/db.ts';
import { secureDeletes } from '../store/secure-delete.ts';
import { activityOf, idList } from './last-used-store.ts';
import type { UserExport, WipeResult } from './memory-types.ts';

const iso = (v: unknown) => (v == null ? null : new Date(Number(v)).toISOString());

type Effective = (confidence: number, confirmedAt: number, source: string) => number;

async function exportFacts(store: Store, userId: number, effective: Effective) {
  const rows = await store.query(
    `SELECT id, scope, chat_id, text, category, confidence, source, created_at, confirmed_at, superseded_by, superseded_at,
     deleted_at FROM memory_facts WHERE user_id = ? ORDER BY created_at`,
    [userId],
  );
  return rows.map((r) => ({
    id: r.id,
    scope: r.scope,
    chatId: r.chat_id,
    text: r.text,
    category: r.category,
    confidence: Number(r.confidence),
    effectiveConfidence: Number(effective(Number(r.confidence), Number(r.confirmed_at), String(r.source)).toFixed(3)),
    source: r.source,
    createdAt: iso(r.created_at),
    confirmedAt: iso(r.confirmed_at),
    supersededBy: r.superseded_by ?? null,
    supersededAt: iso(r.superseded_at),
    forgottenAt: iso(r.deleted_at),
  }));
}

async function exportMessages(store: Store, userId: number) {
  const rows = await store.query(
    'SELECT id, thread_id, chat_id, topic_id, role, text, created_at FROM memory_messages WHERE user_id = ? ORDER BY id',
    [userId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    threadId: r.thread_id,
    chatId: r.chat_id,
    topicId: Number(r.topic_id) || null,
    role: r.role === 'model' ? 'assistant' : 'user',
    text: r.text,
    createdAt: iso(r.created_at),
  }));
}

async function exportThreads(store: Store, userId: number) {
  const rows = await store.query(
    `SELECT t.id, t.chat_id, t.topic_id, t.summary, t.created_at, t.updated_at FROM memory_threads t
     WHERE t.id IN (SELECT DISTINCT thread_id FROM memory_messages WHERE user_id = ?) AND t.chat_id = ?`,
    [userId, userId],
  );
  return rows.map((r) => ({
    id: r.id,
    chatId: r.chat_id,
    topicId: Number(r.topic_id) || null,
    summary: r.summary ?? null,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  }));
}

async function exportLastAnswers(store: Store, userId: number) {
  const rows = await store.query(
    'SELECT chat_id, topic_id, fact_ids, message_ids, activity, created_at FROM memory_last_used WHERE user_id = ?',
    [userId],
  );
  return rows.map((r) => ({
    chatId: r.chat_id,
    topicId: Number(r.topic_id) || null,
    factIds: idList(r.fact_ids),
    messageIds: idList(r.message_ids),
    activity: activityOf(r.activity) ?? null,
    answeredAt: iso(r.created_at),
  }));
}

/** Everything memory stores about a user, for /export (dates as ISO strings). */
export async function exportUserData(
  store: Store,
  userId: number,
  now: number,
  effective: Effective,
): Promise<UserExport> {
  const facts = await exportFacts(store, userId, effective);
  const messages = await exportMessages(store, userId);
  const threads = await exportThreads(store, userId);
  const tombRows = await store.query('SELECT scope, text, created_at FROM memory_tombstones WHERE user_id = ?', [
    userId,
  ]);
  const lastAnswers = await exportLastAnswers(store, userId);
  return {
    exportedAt: new Date(now).toISOString(),
    userId,
    facts,
    messages,
    threads,
    forgotten: tombRows.map((r) => ({ scope: r.scope, text: r.text, forgottenAt: iso(r.created_at) })),
    lastAnswers,
  };
}

/** Scopes the user has messages in. */
export async function scopesOfUser(store: Store, userId: number): Promise<string[]> {
  const rows = await store.query('SELECT DISTINCT scope FROM memory_messages WHERE user_id = ?', [userId]);
  return rows.map((r) => String(r.scope));
}

/** Deletes every message, fact, vector, tombstone and private thread of the user, in one transaction. */
export async function wipeUserData(store: Store, userId: number): Promise<WipeResult> {
  return store.write(async (tx) => {
    await secureDeletes(tx, store.kind);
    const count = async (sql: string) => Number((await tx.query(sql, [userId]))[0]?.n ?? 0);
    const vectors = await count(
      'SELECT COUNT(*) AS n FROM memory_vectors WHERE message_id IN (SELECT id FROM memory_messages WHERE user_id = ?)',
    );
    // Group threads the user spoke in keep other members' messages, but their summaries may quote the user.
    await tx.run(
      `UPDATE memory_threads SET summary = NULL, summary_tokens = 0
       WHERE id IN (SELECT DISTINCT thread_id FROM memory_messages WHERE user_id = ?)`,
      [userId],
    );
    await tx.run('DELETE FROM memory_vectors WHERE message_id IN (SELECT id FROM memory_messages WHERE user_id = ?)', [
      userId,
    ]);
    const messages = (await tx.run('DELETE FROM memory_messages WHERE user_id = ?', [userId])).changes;
    const facts = (await tx.run('DELETE FROM memory_facts WHERE user_id = ?', [userId])).changes;
    for (const table of ['memory_tombstones', 'memory_scopes', 'memory_last_used', 'memory_pending_actions']) {
      await tx.run(`DELETE FROM ${table} WHERE user_id = ?`, [userId]);
    }
    // The private chat's threads (chat id = user id) are the user's alone.
    await tx.run('DELETE FROM memory_active_threads WHERE chat_id = ?', [userId]);
    const threads = (await tx.run('DELETE FROM memory_threads WHERE chat_id = ?', [userId])).changes;
    return { messages, facts, vectors, threads };
  });
}
