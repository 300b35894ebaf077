import { AppError } from '../core/errors.ts';
import type { Store, WriteTx } from '../store/db.ts';
import { decodeMasterKey } from '../core/secrets-key.ts';
import { keyCheckValue } from './secret-crypto.ts';

/** The master key in use and its version (the `secret_keys` row whose check value it matches). */
export interface ActiveKey {
  key: Buffer;
  version: number;
}

/** What the owner must do, in the words of every key error. */
export const GENERATE_HINT = 'Generate a key with: openssl rand -base64 32';
export const ROTATE_HINT = 'SECRETS_KEY_OLD=<old key> SECRETS_KEY=<new key> npm run secrets:rotate';

/** The error of an unset SECRETS_KEY. */
export function keyMissingError(): AppError {
  return new AppError(
    'secrets_key_missing',
    `SECRETS_KEY is not set, so secrets can't be stored or read. ${GENERATE_HINT}, put it in SECRETS_KEY and restart.`,
  );
}

/** Decodes SECRETS_KEY text (already validated by env.ts; checked again for scripts). */
export function masterKeyOf(text: string | undefined, variable = 'SECRETS_KEY'): Buffer {
  if (!text?.trim()) throw keyMissingError();
  const decoded = decodeMasterKey(text);
  if ('problem' in decoded) throw new AppError('config_invalid', `${variable} ${decoded.problem}`);
  return decoded.key;
}

type Reader = Pick<Store, 'get' | 'query'> | WriteTx;

async function first(db: Reader, sql: string, args: (string | number | Uint8Array)[]) {
  if ('get' in db) return db.get(sql, args);
  return (await db.query(sql, args))[0];
}

/** The version recorded for `key`, if any, and whether a later version exists (the key was rotated away). */
export async function versionOf(db: Reader, key: Uint8Array): Promise<{ version: number; latest: number } | undefined> {
  const row = await first(
    db,
    'SELECT version, (SELECT MAX(version) FROM secret_keys) AS latest FROM secret_keys WHERE check_value = ?',
    [keyCheckValue(key)],
  );
  return row ? { version: Number(row.version), latest: Number(row.latest) } : undefined;
}

/**
 * The version of `key`: its recorded one; a new one when no secret is stored yet (a first key, or a key changed
 * while nothing depended on it). Throws AppError('secrets_key_wrong') when secrets exist under another key, or when
 * `key` was rotated away.
 */
export async function activateKey(store: Store, key: Buffer, now: number): Promise<ActiveKey> {
  const known = await versionOf(store, key);
  if (known && known.version === known.latest) return { key, version: known.version };
  if (known)
    throw new AppError(
      'secrets_key_wrong',
      `SECRETS_KEY is an old key (version ${known.version}); the secrets were re-encrypted with key version ${known.latest}. Set SECRETS_KEY to the new key and restart.`,
    );
  return store.write(async (tx) => {
    const again = await versionOf(tx, key);
    if (again) return { key, version: again.version };
    const [stored] = await tx.query('SELECT COUNT(*) AS n FROM user_secrets');
    const [latest] = await tx.query('SELECT MAX(version) AS v FROM secret_keys');
    const current = latest?.v == null ? undefined : Number(latest.v);
    if (Number(stored?.n ?? 0) > 0)
      throw new AppError(
        'secrets_key_wrong',
        `SECRETS_KEY is not the key the stored secrets were encrypted with (key version ${current ?? '?'}). Set the previous key again, or change keys with: ${ROTATE_HINT}`,
      );
    const version = (current ?? 0) + 1;
    await tx.run('UPDATE secret_keys SET retired_at = ? WHERE retired_at IS NULL', [now]);
    await tx.run('INSERT INTO secret_keys (version, check_value, created_at) VALUES (?, ?, ?)', [
      version,
      keyCheckValue(key),
      now,
    ]);
    return { key, version };
  });
}
