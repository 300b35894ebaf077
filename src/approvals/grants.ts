import type { Row, Store, WriteTx } from '../store/db.ts';

/** One "Always allow" grant: `userId` may run `tool` on `target` (a host or an argument value) without being asked. */
export interface Grant {
  id: number;
  userId: number;
  tool: string;
  target: string;
  createdAt: number;
  /** Who tapped "Always allow" (the user, or an owner deciding for them). */
  grantedBy: number;
  /** The chat the grant was made in (provenance only: a grant is not tied to a chat). */
  chatId: number | undefined;
}

/** Grants in the database (`approval_grants`): checked by the gate, listed and revoked by /permissions. */
export interface GrantStore {
  /** True when `userId` holds a grant for this tool and target. */
  has(userId: number, tool: string, target: string): Promise<boolean>;
  /** The user's grants, oldest first. */
  list(userId: number): Promise<Grant[]>;
  /** Revokes one of the user's own grants; the removed grant, or undefined when it was not theirs or is gone. */
  revoke(userId: number, id: number): Promise<Grant | undefined>;
}

function toGrant(row: Row): Grant {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    tool: String(row.tool),
    target: String(row.target),
    createdAt: Number(row.created_at),
    grantedBy: Number(row.granted_by),
    chatId: row.chat_id === null || row.chat_id === undefined ? undefined : Number(row.chat_id),
  };
}

/** Records a grant inside the caller's transaction. A repeated grant keeps the first one (and its id). */
export async function insertGrant(
  tx: WriteTx,
  grant: {
    userId: number;
    tool: string;
    target: string;
    grantedBy: number;
    chatId: number;
    approvalId: string;
    at: number;
  },
): Promise<void> {
  await tx.run(
    `INSERT INTO approval_grants (user_id, tool, target, created_at, granted_by, chat_id, approval_id) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id, tool, target) DO NOTHING`,
    [grant.userId, grant.tool, grant.target, grant.at, grant.grantedBy, grant.chatId, grant.approvalId],
  );
}

/** Creates the grant store over the shared database. */
export function createGrantStore(store: Store): GrantStore {
  return {
    async has(userId, tool, target) {
      const row = await store.get('SELECT 1 AS ok FROM approval_grants WHERE user_id = ? AND tool = ? AND target = ?', [
        userId,
        tool,
        target,
      ]);
      return row !== undefined;
    },
    async list(userId) {
      const rows = await store.query('SELECT * FROM approval_grants WHERE user_id = ? ORDER BY created_at, id', [
        userId,
      ]);
      return rows.map(toGrant);
    },
    async revoke(userId, id) {
      return store.write(async (tx) => {
        const [row] = await tx.query('SELECT * FROM approval_grants WHERE id = ? AND user_id = ?', [id, userId]);
        if (!row) return undefined;
        await tx.run('DELETE FROM approval_grants WHERE id = ? AND user_id = ?', [id, userId]);
        return toGrant(row);
      });
    },
  };
}
