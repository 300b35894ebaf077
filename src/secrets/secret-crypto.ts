import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.ts';

/**
 * AES-256-GCM for one secret. The master key (SECRETS_KEY: 32 random bytes) is never used directly: each secret
 * gets its own key, HKDF-SHA256(master, salt = 16 random bytes, info = `KEY_INFO`), and a random 96-bit nonce.
 *
 * Why HKDF and not scrypt/PBKDF2: SECRETS_KEY must already be 32 uniformly random bytes (env.ts rejects shorter or
 * patterned keys), so there is nothing to stretch; a password hash would only add ~50 ms per decryption, and the
 * secret guard decrypts a user's values on every turn. HKDF with a fresh salt per secret gives every row its own key,
 * so no key ever sees two nonces and the per-key message limit of GCM never comes near.
 *
 * The additional data binds the ciphertext to its owner, name and key version: a row copied onto another user's
 * or another name's row (or relabelled with another key version) fails to decrypt instead of yielding the value.
 */

/** HKDF `info` of per-secret keys; changing it makes every stored secret undecryptable. */
const KEY_INFO = 'assistant/user-secret/v1';
/** HKDF `info` of the key check value (tells the right SECRETS_KEY from a wrong one without any row). */
const CHECK_INFO = 'assistant/secrets-key-check/v1';
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Who a secret belongs to, bound into its ciphertext as additional authenticated data. */
export interface SecretLabel {
  userId: number;
  name: string;
  keyVersion: number;
}

/** A sealed secret as stored: `sealed` is the ciphertext followed by the 16-byte GCM tag. */
export interface SealedSecret {
  salt: Uint8Array;
  nonce: Uint8Array;
  sealed: Uint8Array;
}

function additionalData(label: SecretLabel): Buffer {
  return Buffer.from(JSON.stringify(['user-secret', label.userId, label.name, label.keyVersion]), 'utf8');
}

function secretKey(master: Uint8Array, salt: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, KEY_INFO, 32));
}

/** Encrypts `value` for `label` with a fresh salt and nonce. */
export function sealSecret(master: Uint8Array, label: SecretLabel, value: string): SealedSecret {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', secretKey(master, salt), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(label));
  const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { salt, nonce, sealed };
}

/**
 * Decrypts a sealed secret. Throws AppError('secret_undecryptable') when the key is not the one it was sealed with,
 * or the row was altered or moved to another user, name or key version: never returns garbage.
 */
export function openSecret(master: Uint8Array, label: SecretLabel, secret: SealedSecret): string {
  try {
    const sealed = Buffer.from(secret.sealed);
    if (sealed.length < TAG_BYTES || secret.nonce.length !== NONCE_BYTES) throw new Error('truncated');
    const decipher = createDecipheriv('aes-256-gcm', secretKey(master, secret.salt), secret.nonce, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(label));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch (err) {
    throw new AppError(
      'secret_undecryptable',
      `The secret "${label.name}" of user ${label.userId} cannot be decrypted: SECRETS_KEY is not the key it was stored with, or the row was altered.`,
      { cause: err },
    );
  }
}

/** A value derived from the master key that identifies it (HKDF, one-way): stored per key version. */
export function keyCheckValue(master: Uint8Array): Buffer {
  const prk = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), CHECK_INFO, 32));
  return createHmac('sha256', prk).update('check').digest();
}
