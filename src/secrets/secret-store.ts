import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { UserSecrets } from '../core/secrets.ts';
import type { Row, Store } from '../store/db.ts';
import { type ActiveKey, activateKey, keyMissingError, masterKeyOf } from './key-ring.ts';
import { openSecret, sealSecret } from './secret-crypto.ts';
import { isSecretName } from './secret-name.ts';

/** A stored secret as lists show it: never the value. */
export interface SecretInfo {
  name: string;
  createdAt: number;
  updatedAt: number;
}

/** Whether secrets can be stored and read now. */
export type SecretsKeyState =
  | { ok: true; version: number }
  | { ok: false; code: 'secrets_key_missing' | 'secrets_key_wrong'; message: string };

/** The secret store: the `UserSecrets` port for integrations and guards, plus what /connect and /connections need. */
export interface SecretStore extends UserSecrets {
  /** Checks SECRETS_KEY (set, and the key the stored secrets were sealed with). */
  keyState(): Promise<SecretsKeyState>;
  /** Encrypts and stores `value` as `name`, replacing an older value. Returns whether one was replaced. */
  put(userId: number, name: string, value: string): Promise<{ replaced: boolean }>;
  /** Names and dates, alphabetically. Needs no key. */
  list(userId: number): Promise<SecretInfo[]>;
  /** Deletes one secret; false when there was none. Needs no key. */
  remove(userId: number, name: string): Promise<boolean>;
}

export interface SecretStoreDeps {
  store: Store;
  clock: Clock;
  /** SECRETS_KEY as configured (base64), or undefined when unset. */
  key: string | undefined;
}

const COLUMNS = 'name, key_version, salt, nonce, ciphertext';

const bytes = (v: unknown): Uint8Array => (v instanceof ArrayBuffer ? new Uint8Array(v) : (v as Uint8Array));

/** Creates the store over `user_secrets` (migration 026). The key is checked at first use, not at start. */
export function createSecretStore(deps: SecretStoreDeps): SecretStore {
  const { store, clock } = deps;
  let active: ActiveKey | undefined;

  async function activeKey(): Promise<ActiveKey> {
    if (active) return active;
    if (!deps.key?.trim()) throw keyMissingError();
    active = await activateKey(store, masterKeyOf(deps.key), clock.now());
    return active;
  }

  async function open(userId: number, row: Row): Promise<string> {
    const { key, version } = await activeKey();
    const name = String(row.name);
    const rowVersion = Number(row.key_version);
    if (rowVersion !== version)
      throw new AppError(
        'secrets_key_wrong',
        `The secret "${name}" was stored with key version ${rowVersion}, but SECRETS_KEY is version ${version}. Set SECRETS_KEY to the key it was stored with.`,
      );
    return openSecret(
      key,
      { userId, name, keyVersion: rowVersion },
      { salt: bytes(row.salt), nonce: bytes(row.nonce), sealed: bytes(row.ciphertext) },
    );
  }

  return {
    async keyState() {
      try {
        return { ok: true, version: (await activeKey()).version };
      } catch (err) {
        if (err instanceof AppError && (err.code === 'secrets_key_missing' || err.code === 'secrets_key_wrong'))
          return { ok: false, code: err.code, message: err.message };
        throw err;
      }
    },
    async get(userId, name) {
      const row = await store.get(`SELECT ${COLUMNS} FROM user_secrets WHERE user_id = ? AND name = ?`, [userId, name]);
      return row ? open(userId, row) : undefined;
    },
    async values(userId) {
      const rows = await store.query(`SELECT ${COLUMNS} FROM user_secrets WHERE user_id = ? ORDER BY name`, [userId]);
      const out: string[] = [];
      for (const row of rows) out.push(await open(userId, row));
      return out;
    },
    async put(userId, name, value) {
      if (!isSecretName(name)) throw new AppError('invalid_input', `"${name}" is not a valid secret name.`);
      const { key, version } = await activeKey();
      const sealed = sealSecret(key, { userId, name, keyVersion: version }, value);
      const now = clock.now();
      return store.write(async (tx) => {
        const [old] = await tx.query('SELECT 1 AS x FROM user_secrets WHERE user_id = ? AND name = ?', [userId, name]);
        await tx.run(
          `INSERT INTO user_secrets (user_id, name, key_version, salt, nonce, ciphertext, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id, name) DO UPDATE SET key_version = excluded.key_version, salt = excluded.salt,
             nonce = excluded.nonce, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
          [userId, name, version, sealed.salt, sealed.nonce, sealed.sealed, now, now],
        );
        return { replaced: old !== undefined };
      });
    },
    async list(userId) {
      const rows = await store.query(
        'SELECT name, created_at, updated_at FROM user_secrets WHERE user_id = ? ORDER BY name',
        [userId],
      );
      return rows.map((r) => ({
        name: String(r.name),
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      }));
    },
    async remove(userId, name) {
      const r = await store.run('DELETE FROM user_secrets WHERE user_id = ? AND name = ?', [userId, name]);
      return r.changes > 0;
    },
  };
}
