import type { Store, WriteTx } from '../store/db.ts';

/** A user's skill in /export: what they wrote (no embedding). */
export interface SkillExport {
  chatId: number;
  name: string;
  description: string;
  instructions: string;
  agent: string | null;
  tools: unknown;
  createdAt: string;
  updatedAt: string;
}

/** Reads the user's skills (every chat) for /export. */
export async function exportUserSkills(store: Store, userId: number): Promise<SkillExport[]> {
  const rows = await store.query(
    `SELECT chat_id, name, description, instructions, agent, tools, created_at, updated_at FROM skills
     WHERE owner_user_id = ? ORDER BY chat_id, name_key`,
    [userId],
  );
  return rows.map((r) => {
    let tools: unknown = null;
    try {
      tools = r.tools == null ? null : (JSON.parse(String(r.tools)) as unknown);
    } catch {
      tools = String(r.tools);
    }
    return {
      chatId: Number(r.chat_id),
      name: String(r.name),
      description: String(r.description),
      instructions: String(r.instructions),
      agent: r.agent == null ? null : String(r.agent),
      tools,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      updatedAt: new Date(Number(r.updated_at)).toISOString(),
    };
  });
}

/** /wipe: deletes the user's skills and open drafts (in the wipe's secure-delete transaction). */
export async function eraseUserSkills(tx: WriteTx, userId: number): Promise<number> {
  await tx.run('DELETE FROM skill_drafts WHERE user_id = ?', [userId]);
  return (await tx.run('DELETE FROM skills WHERE owner_user_id = ?', [userId])).changes;
}
