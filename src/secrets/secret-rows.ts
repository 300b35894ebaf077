import type { Row, Store, WriteTx } from '../store/db.ts';

/** /wipe: deletes the user's secrets and their open /connect request, in the caller's (secure-delete) transaction. */
export async function eraseUserSecrets(tx: WriteTx, userId: number): Promise<number> {
  await tx.run('DELETE FROM secret_prompts WHERE user_id = ?', [userId]);
  return (await tx.run('DELETE FROM user_secrets WHERE user_id = ?', [userId])).changes;
}

/** /export: the user's secrets as names and dates only (never a value, a ciphertext or a key version). */
export async function secretNamesOf(store: Pick<Store, 'query'>, userId: number): Promise<Row[]> {
  return store.query('SELECT name, created_at, updated_at FROM user_secrets WHERE user_id = ? ORDER BY name', [userId]);
}
