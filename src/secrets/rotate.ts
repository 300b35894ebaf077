import { AppError } from '../core/errors.ts';
import type { Store } from '../store/db.ts';
import { ROTATE_HINT, masterKeyOf, versionOf } from './key-ring.ts';
import { keyCheckValue, openSecret, sealSecret } from './secret-crypto.ts';

const bytes = (v: unknown): Uint8Array => (v instanceof ArrayBuffer ? new Uint8Array(v) : (v as Uint8Array));

/** What a rotation did. */
export interface RotationReport {
  from: number | undefined;
  to: number;
  secrets: number;
}

/**
 * Re-encrypts every stored secret from `oldKeyText` (the current SECRETS_KEY) to `newKeyText` under a new key
 * version, in one write transaction: every row or none. The old key no longer opens anything afterwards (its
 * version is kept, retired, so using it gives a clear "old key" error). Throws AppError with a clear message when
 * the old key is not the current one or a row can't be decrypted (nothing is changed then).
 */
export async function rotateSecretsKey(
  store: Store,
  oldKeyText: string | undefined,
  newKeyText: string | undefined,
  now: number,
): Promise<RotationReport> {
  const oldKey = masterKeyOf(oldKeyText, 'SECRETS_KEY_OLD');
  const newKey = masterKeyOf(newKeyText, 'SECRETS_KEY');
  if (oldKey.equals(newKey))
    throw new AppError('invalid_input', 'SECRETS_KEY_OLD and SECRETS_KEY are the same key: nothing to rotate.');
  return store.write(async (tx) => {
    const [latestRow] = await tx.query('SELECT MAX(version) AS v FROM secret_keys');
    const latest = latestRow?.v == null ? undefined : Number(latestRow.v);
    const old = await versionOf(tx, oldKey);
    if (await versionOf(tx, newKey))
      throw new AppError('invalid_input', 'SECRETS_KEY was used before; rotate to a newly generated key.');
    const rows = await tx.query('SELECT user_id, name, key_version, salt, nonce, ciphertext FROM user_secrets');
    if (latest !== undefined && old?.version !== latest)
      throw new AppError(
        'secrets_key_wrong',
        `SECRETS_KEY_OLD is not the current key (version ${latest}); nothing was changed. Usage: ${ROTATE_HINT}`,
      );
    const to = (latest ?? 0) + 1;
    for (const row of rows) {
      const userId = Number(row.user_id);
      const name = String(row.name);
      const value = openSecret(
        oldKey,
        { userId, name, keyVersion: Number(row.key_version) },
        { salt: bytes(row.salt), nonce: bytes(row.nonce), sealed: bytes(row.ciphertext) },
      );
      const sealed = sealSecret(newKey, { userId, name, keyVersion: to }, value);
      await tx.run(
        'UPDATE user_secrets SET key_version = ?, salt = ?, nonce = ?, ciphertext = ? WHERE user_id = ? AND name = ?',
        [to, sealed.salt, sealed.nonce, sealed.sealed, userId, name],
      );
    }
    await tx.run('UPDATE secret_keys SET retired_at = ? WHERE retired_at IS NULL', [now]);
    await tx.run('INSERT INTO secret_keys (version, check_value, created_at) VALUES (?, ?, ?)', [
      to,
      keyCheckValue(newKey),
      now,
    ]);
    return { from: latest, to, secrets: rows.length };
  });
}
