import type { Store, WriteTx } from '../store/db.ts';

/** /wipe: deletes the user's tasks (a running one notices at its next claim renewal and stops, posting nothing). */
export async function eraseUserTasks(tx: WriteTx, userId: number): Promise<number> {
  return (await tx.run('DELETE FROM tasks WHERE user_id = ?', [userId])).changes;
}

const iso = (v: unknown): string | null => (v == null ? null : new Date(Number(v)).toISOString());

function resultText(json: unknown): string | null {
  if (json == null) return null;
  try {
    const parsed = JSON.parse(String(json)) as { text?: unknown };
    return typeof parsed.text === 'string' ? parsed.text : null;
  } catch {
    return null;
  }
}

/** /export: the user's background tasks, with what they asked and the result kept until it was posted. */
export async function exportUserTasks(store: Store, userId: number): Promise<Record<string, unknown>[]> {
  const rows = await store.query(
    `SELECT id, chat_id, topic_id, title, description, status, attempts, result, error, created_at, started_at,
       finished_at FROM tasks WHERE user_id = ? ORDER BY created_at, id`,
    [userId],
  );
  return rows.map((r) => ({
    id: r.id,
    chatId: Number(r.chat_id),
    topicId: r.topic_id == null ? null : Number(r.topic_id),
    title: r.title,
    task: r.description,
    status: r.status,
    attempts: Number(r.attempts),
    result: resultText(r.result),
    error: r.error ?? null,
    createdAt: iso(r.created_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  }));
}
