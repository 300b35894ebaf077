/**
 * The secret store on a real libSQL file: AES-256-GCM with a random salt and nonce per secret, the owner and name
 * bound as additional data, a key version per row, a clear AppError for a missing or wrong key, and the rotation
 * command (scripts/rotate-secrets.ts) that re-encrypts everything in one transaction.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { AppError, ConfigError } from '../../src/core/errors.ts';
import { createSecretStore } from '../../src/secrets/secret-store.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { runRotation } from '../../scripts/rotate-secrets.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { rowsMentioning } from '../privacy/support.ts';

const KEY = randomBytes(32).toString('base64');
const OTHER_KEY = randomBytes(32).toString('base64');
const VALUE = 'tok_Blueberry-Quasar-5521';

let db: TempDb;
let store: Store;
const clock = createManualClock();

beforeEach(async () => {
  db = tempDbUrl('secrets');
  store = await createStore({ url: db.url, migrations });
});
afterEach(async () => {
  await store.close();
  await db.cleanup();
});

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError, `an AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, text);
    return true;
  });
}

describe('secret store', () => {
  it('round trip: put, get, values, list without values, remove; nothing in plain text in the database', async () => {
    const secrets = createSecretStore({ store, clock, key: KEY });
    assert.deepEqual(await secrets.put(7, 'todoist', VALUE), { replaced: false });
    await secrets.put(7, 'github', 'ghp_other-value-123');
    await secrets.put(8, 'todoist', 'someone-else-9876');
    assert.equal(await secrets.get(7, 'todoist'), VALUE);
    assert.equal(await secrets.get(7, 'missing'), undefined);
    assert.deepEqual(await secrets.values(7), ['ghp_other-value-123', VALUE]);
    assert.deepEqual(await secrets.values(9), []);
    const list = await secrets.list(7);
    assert.deepEqual(
      list.map((s) => s.name),
      ['github', 'todoist'],
    );
    assert.ok(!JSON.stringify(list).includes(VALUE));
    assert.deepEqual(await rowsMentioning(store, VALUE), [], 'the value is stored encrypted');
    assert.deepEqual(await secrets.put(7, 'todoist', 'new-value-4242'), { replaced: true });
    assert.equal(await secrets.get(7, 'todoist'), 'new-value-4242');
    assert.equal(await secrets.remove(7, 'todoist'), true);
    assert.equal(await secrets.remove(7, 'todoist'), false);
    assert.equal(await secrets.get(7, 'todoist'), undefined);
    await rejectsWith(secrets.put(7, 'Bad Name', 'x'), 'invalid_input', /not a valid secret name/);
  });

  it('a fresh salt and nonce per encryption: the same value twice gives different rows', async () => {
    const secrets = createSecretStore({ store, clock, key: KEY });
    await secrets.put(7, 'a', VALUE);
    await secrets.put(7, 'b', VALUE);
    const rows = await store.query('SELECT salt, nonce, ciphertext, key_version FROM user_secrets ORDER BY name');
    const hex = (v: unknown) => Buffer.from(v as ArrayBuffer).toString('hex');
    assert.equal(rows.length, 2);
    assert.notEqual(hex(rows[0]?.salt), hex(rows[1]?.salt));
    assert.notEqual(hex(rows[0]?.nonce), hex(rows[1]?.nonce));
    assert.notEqual(hex(rows[0]?.ciphertext), hex(rows[1]?.ciphertext));
    assert.equal(Buffer.from(rows[0]?.salt as ArrayBuffer).length, 16);
    assert.equal(Buffer.from(rows[0]?.nonce as ArrayBuffer).length, 12);
    assert.equal(rows[0]?.key_version, 1);
  });

  it('rows are bound to their user and name: a swapped row fails clearly instead of decrypting', async () => {
    const secrets = createSecretStore({ store, clock, key: KEY });
    await secrets.put(7, 'todoist', VALUE);
    await secrets.put(8, 'todoist', 'attacker-value-000');
    await secrets.put(8, 'github', 'attacker-value-111');
    // Copy user 7's ciphertext onto user 8's row, and onto another name of user 8.
    for (const name of ['todoist', 'github'])
      await store.run(
        `UPDATE user_secrets SET (salt, nonce, ciphertext) =
           (SELECT salt, nonce, ciphertext FROM user_secrets WHERE user_id = 7 AND name = 'todoist')
         WHERE user_id = 8 AND name = ?`,
        [name],
      );
    await rejectsWith(secrets.get(8, 'todoist'), 'secret_undecryptable', /cannot be decrypted/);
    await rejectsWith(secrets.get(8, 'github'), 'secret_undecryptable', /cannot be decrypted/);
    await rejectsWith(secrets.values(8), 'secret_undecryptable', /cannot be decrypted/);
    assert.equal(await secrets.get(7, 'todoist'), VALUE, 'the original row still opens');
    // Moving the row to another user id is caught the same way.
    await store.run("UPDATE user_secrets SET user_id = 9 WHERE user_id = 7 AND name = 'todoist'");
    await rejectsWith(secrets.get(9, 'todoist'), 'secret_undecryptable', /cannot be decrypted/);
  });

  it('decrypts after a restart: a new store instance on the same file with the same key', async () => {
    await createSecretStore({ store, clock, key: KEY }).put(7, 'todoist', VALUE);
    await store.close();
    store = await createStore({ url: db.url, migrations });
    assert.equal(await createSecretStore({ store, clock, key: KEY }).get(7, 'todoist'), VALUE);
  });

  it('a wrong key or a missing key gives a clear error, never garbage; no secret needs no key', async () => {
    await createSecretStore({ store, clock, key: KEY }).put(7, 'todoist', VALUE);
    const wrong = createSecretStore({ store, clock, key: OTHER_KEY });
    await rejectsWith(wrong.get(7, 'todoist'), 'secrets_key_wrong', /not the key the stored secrets were encrypted/);
    await rejectsWith(wrong.put(7, 'other', 'x'), 'secrets_key_wrong', /secrets:rotate/);
    const wrongState = await wrong.keyState();
    assert.equal(wrongState.ok, false);
    assert.equal(wrongState.ok ? '' : wrongState.code, 'secrets_key_wrong');
    assert.ok(!JSON.stringify(wrongState).includes(OTHER_KEY), 'the key itself is never in a message');
    const missing = createSecretStore({ store, clock, key: undefined });
    await rejectsWith(missing.get(7, 'todoist'), 'secrets_key_missing', /openssl rand -base64 32/);
    const state = await missing.keyState();
    assert.equal(state.ok, false);
    assert.equal(state.ok ? '' : state.code, 'secrets_key_missing');
    assert.deepEqual(await missing.values(8), [], 'a user without secrets needs no key');
    assert.deepEqual(
      (await missing.list(7)).map((s) => s.name),
      ['todoist'],
    );
    // A row whose key check passes but whose ciphertext was damaged: the GCM tag catches it.
    await store.run("UPDATE user_secrets SET ciphertext = zeroblob(40) WHERE name = 'todoist'");
    await rejectsWith(
      createSecretStore({ store, clock, key: KEY }).get(7, 'todoist'),
      'secret_undecryptable',
      /row was altered/,
    );
  });

  it('SECRETS_KEY is checked with the other env problems: too short, not base64, too regular', () => {
    const base = { TELEGRAM_BOT_TOKEN: '123456:TEST-token_abcdefghijklmnopqrstuvwxyz01234', GEMINI_API_KEY: 'k' };
    for (const [bad, why] of [
      [randomBytes(16).toString('base64'), /at least 32 bytes, got 16/],
      ['not base64 at all!', /must be base64/],
      [Buffer.alloc(32, 7).toString('base64'), /too regular/],
    ] as const) {
      assert.throws(
        () => loadConfig({ ...base, SECRETS_KEY: bad, PORT: 'x' }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.ok(
            err.issues.some((i) => i.includes('SECRETS_KEY') && why.test(i)),
            err.message,
          );
          assert.ok(
            err.issues.some((i) => i.includes('PORT')),
            'listed with the other problems',
          );
          assert.ok(!err.message.includes(bad), 'the value itself is not printed');
          return true;
        },
      );
    }
    assert.equal(loadConfig({ ...base, SECRETS_KEY: KEY }).env.SECRETS_KEY, KEY);
    assert.equal(loadConfig({ ...base, SECRETS_KEY: '' }).env.SECRETS_KEY, undefined);
  });
});

describe('npm run secrets:rotate', () => {
  it('re-encrypts every row under a new key version in one transaction; the old key no longer works', async () => {
    const before = createSecretStore({ store, clock, key: KEY });
    await before.put(7, 'todoist', VALUE);
    await before.put(8, 'github', 'ghp_second-value-77');
    const oldRows = await store.query('SELECT ciphertext FROM user_secrets ORDER BY user_id');
    await store.close();

    const env = { DATABASE_URL: db.url, SECRETS_KEY_OLD: KEY, SECRETS_KEY: OTHER_KEY };
    const done = await runRotation(env);
    assert.equal(done.code, 0, done.text);
    assert.match(done.text, /Re-encrypted 2 secret\(s\).*from key version 1 to 2/);
    assert.ok(!done.text.includes(KEY) && !done.text.includes(OTHER_KEY));

    store = await createStore({ url: db.url, migrations });
    const rows = await store.query('SELECT key_version, ciphertext FROM user_secrets ORDER BY user_id');
    assert.deepEqual(
      rows.map((r) => r.key_version),
      [2, 2],
    );
    assert.notDeepEqual(rows[0]?.ciphertext, oldRows[0]?.ciphertext);
    const after = createSecretStore({ store, clock, key: OTHER_KEY });
    assert.equal(await after.get(7, 'todoist'), VALUE);
    assert.equal(await after.get(8, 'github'), 'ghp_second-value-77');
    await rejectsWith(createSecretStore({ store, clock, key: KEY }).get(7, 'todoist'), 'secrets_key_wrong', /old key/);
    await store.close();

    // Running it again with the old pair is refused, and changes nothing.
    const again = await runRotation(env);
    assert.equal(again.code, 2);
    assert.match(again.text, /SECRETS_KEY was used before/);
    const third = randomBytes(32).toString('base64');
    const wrongOld = await runRotation({ DATABASE_URL: db.url, SECRETS_KEY_OLD: KEY, SECRETS_KEY: third });
    assert.equal(wrongOld.code, 2);
    assert.match(wrongOld.text, /SECRETS_KEY_OLD is not the current key/);
    assert.equal((await runRotation({ DATABASE_URL: db.url, SECRETS_KEY: third })).code, 2, 'both keys required');
    store = await createStore({ url: db.url, migrations });
    assert.equal(await createSecretStore({ store, clock, key: OTHER_KEY }).get(7, 'todoist'), VALUE);
  });

  it('a row that does not decrypt with the old key aborts the rotation: nothing is changed', async () => {
    const secrets = createSecretStore({ store, clock, key: KEY });
    await secrets.put(7, 'a', 'value-aaaa-1111');
    await secrets.put(7, 'b', 'value-bbbb-2222');
    await store.run("UPDATE user_secrets SET ciphertext = zeroblob(30) WHERE name = 'b'");
    const before = await store.query('SELECT name, key_version, ciphertext FROM user_secrets ORDER BY name');
    await store.close();
    const r = await runRotation({ DATABASE_URL: db.url, SECRETS_KEY_OLD: KEY, SECRETS_KEY: OTHER_KEY });
    assert.equal(r.code, 2);
    assert.match(r.text, /"b".*cannot be decrypted/);
    store = await createStore({ url: db.url, migrations });
    assert.deepEqual(await store.query('SELECT name, key_version, ciphertext FROM user_secrets ORDER BY name'), before);
    assert.equal(await createSecretStore({ store, clock, key: KEY }).get(7, 'a'), 'value-aaaa-1111');
  });
});
