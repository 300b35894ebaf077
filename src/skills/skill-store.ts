import type { Row, WriteTx } from '../store/db.ts';
import { type Skill, type SkillScope, skillFromRow } from './skill.ts';

/** SQL of the skills module on `skills` and `skill_drafts`. `db` is the store or a write transaction. */

const COLUMNS =
  'id, owner_user_id, chat_id, name, name_key, description, instructions, agent, tools, created_at, updated_at';

/** Skills of one scope, by name. */
export async function listSkills(db: WriteTx, scope: SkillScope): Promise<Skill[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS} FROM skills WHERE owner_user_id = ? AND chat_id = ? ORDER BY name_key`,
    [scope.ownerUserId, scope.chatId],
  );
  return rows.map(skillFromRow);
}

/** Skills of one scope with their stored embeddings (NULL when not embedded yet). */
export async function listSkillVectors(db: WriteTx, scope: SkillScope): Promise<{ skill: Skill; vec: unknown }[]> {
  const rows = await db.query(
    `SELECT ${COLUMNS}, embedding FROM skills WHERE owner_user_id = ? AND chat_id = ? ORDER BY name_key`,
    [scope.ownerUserId, scope.chatId],
  );
  return rows.map((row: Row) => ({ skill: skillFromRow(row), vec: row.embedding ?? null }));
}

/** The skill with this id, or undefined. */
export async function getSkill(db: WriteTx, id: string): Promise<Skill | undefined> {
  const [row] = await db.query(`SELECT ${COLUMNS} FROM skills WHERE id = ?`, [id]);
  return row ? skillFromRow(row) : undefined;
}

/** The skill of this scope with this name key, or undefined. */
export async function skillByName(db: WriteTx, scope: SkillScope, key: string): Promise<Skill | undefined> {
  const [row] = await db.query(
    `SELECT ${COLUMNS} FROM skills WHERE owner_user_id = ? AND chat_id = ? AND name_key = ?`,
    [scope.ownerUserId, scope.chatId, key],
  );
  return row ? skillFromRow(row) : undefined;
}

/** Skills in one scope (for the per-scope limit). */
export async function countSkills(db: WriteTx, scope: SkillScope): Promise<number> {
  const [row] = await db.query('SELECT COUNT(*) AS n FROM skills WHERE owner_user_id = ? AND chat_id = ?', [
    scope.ownerUserId,
    scope.chatId,
  ]);
  return Number(row?.n ?? 0);
}

/** Inserts a skill or replaces the fields of the one with this id. The embedding is cleared (re-embedded later). */
export async function putSkill(db: WriteTx, s: Skill & { nameKey: string }): Promise<void> {
  await db.run(
    `INSERT INTO skills (${COLUMNS}, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
       description = excluded.description, instructions = excluded.instructions, agent = excluded.agent,
       tools = excluded.tools, embedding = NULL, updated_at = excluded.updated_at`,
    [
      s.id,
      s.ownerUserId,
      s.chatId,
      s.name,
      s.nameKey,
      s.description,
      s.instructions,
      s.agent ?? null,
      s.tools.length > 0 ? JSON.stringify(s.tools) : null,
      s.createdAt,
      s.updatedAt,
    ],
  );
}

/** Stores a skill's description embedding, unless the skill changed since it was computed. */
export async function setSkillEmbedding(db: WriteTx, id: string, updatedAt: number, blob: Uint8Array): Promise<void> {
  await db.run('UPDATE skills SET embedding = ? WHERE id = ? AND updated_at = ?', [blob, id, updatedAt]);
}

/** Deletes one skill; true when it existed. */
export async function deleteSkill(db: WriteTx, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM skills WHERE id = ?', [id])).changes === 1;
}

/** A guided `/skills new` or edit in progress: which field the person's next message in the chat fills. */
export interface SkillDraft {
  userId: number;
  chatId: number;
  step: 'name' | 'description' | 'instructions';
  /** Set when editing an existing skill. */
  skillId?: string;
  name?: string;
  description?: string;
  expiresAt: number;
}

/** Opens or replaces the person's draft in a chat. */
export async function putDraft(db: WriteTx, d: SkillDraft, now: number): Promise<void> {
  await db.run(
    `INSERT INTO skill_drafts (user_id, chat_id, step, skill_id, name, description, expires_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id, chat_id) DO UPDATE SET step = excluded.step, skill_id = excluded.skill_id,
       name = excluded.name, description = excluded.description, expires_at = excluded.expires_at`,
    [d.userId, d.chatId, d.step, d.skillId ?? null, d.name ?? null, d.description ?? null, d.expiresAt, now],
  );
}

/** The person's open draft in a chat (expired ones included; the caller checks `expiresAt`). */
export async function getDraft(db: WriteTx, userId: number, chatId: number): Promise<SkillDraft | undefined> {
  const [row] = await db.query('SELECT * FROM skill_drafts WHERE user_id = ? AND chat_id = ?', [userId, chatId]);
  if (!row) return undefined;
  const step = String(row.step);
  return {
    userId,
    chatId,
    step: step === 'description' || step === 'instructions' ? step : 'name',
    ...(row.skill_id != null ? { skillId: String(row.skill_id) } : {}),
    ...(row.name != null ? { name: String(row.name) } : {}),
    ...(row.description != null ? { description: String(row.description) } : {}),
    expiresAt: Number(row.expires_at),
  };
}

/** Ends the person's draft in a chat; true when one was open. */
export async function deleteDraft(db: WriteTx, userId: number, chatId: number): Promise<boolean> {
  return (await db.run('DELETE FROM skill_drafts WHERE user_id = ? AND chat_id = ?', [userId, chatId])).changes === 1;
}
