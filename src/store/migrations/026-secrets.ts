import type { Migration } from './index.ts';

/**
 * Per-user secrets encrypted at rest (src/secrets): `user_secrets` holds AES-256-GCM ciphertexts (value ‖ tag) with
 * their own salt and nonce and the version of SECRETS_KEY they were sealed with; `secret_keys` one check value per
 * key version (never the key), so a wrong key is told apart from a damaged row; `secret_prompts` an open
 * `/connect <name>` waiting for its value (never the value itself).
 */
export const secretsMigration: Migration = {
  version: 26,
  name: 'secrets',
  statements: [
    `CREATE TABLE IF NOT EXISTS user_secrets (
      user_id INTEGER NOT NULL,
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
      key_version INTEGER NOT NULL,
      salt BLOB NOT NULL,
      nonce BLOB NOT NULL,
      ciphertext BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (user_id, name)
    )`,
    `CREATE TABLE IF NOT EXISTS secret_keys (
      version INTEGER PRIMARY KEY,
      check_value BLOB NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      retired_at INTEGER
    )`,
    `CREATE TABLE IF NOT EXISTS secret_prompts (
      user_id INTEGER PRIMARY KEY,
      chat_id INTEGER NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('waiting', 'stored', 'failed')),
      prompt_message_id INTEGER,
      value_message_id INTEGER,
      error TEXT,
      replaced INTEGER NOT NULL DEFAULT 0,
      expires_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    )`,
  ],
};
