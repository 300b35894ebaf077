/**
 * `npm run secrets:rotate`: re-encrypts every stored secret from SECRETS_KEY_OLD (the key in use) to SECRETS_KEY
 * (a new one, `openssl rand -base64 32`) in one transaction, then records the new key version. Stop the bot first,
 * run this with both keys set (in .env or the environment), then start the bot with the new SECRETS_KEY.
 *   SECRETS_KEY_OLD=<old> SECRETS_KEY=<new> npm run secrets:rotate
 * Exit codes: 0 done, 2 bad keys or usage, 3 database problem, 1 anything else.
 */
import { config as loadDotenv } from 'dotenv';
import { envSchema } from '../src/config/env.ts';
import { AppError, StoreError, toError } from '../src/core/errors.ts';
import { rotateSecretsKey } from '../src/secrets/rotate.ts';
import { createStore, describeUrl } from '../src/store/db.ts';
import { migrations } from '../src/store/migrations/index.ts';

/** Runs the rotation against `env`; returns the exit code and what to print. */
export async function runRotation(env: Record<string, string | undefined>): Promise<{ code: number; text: string }> {
  const url = envSchema.shape.DATABASE_URL.safeParse(env.DATABASE_URL);
  if (!url.success) return { code: 2, text: 'DATABASE_URL must start with file:, libsql://, http(s):// or ws(s)://' };
  if (!env.SECRETS_KEY_OLD?.trim() || !env.SECRETS_KEY?.trim())
    return {
      code: 2,
      text: 'Set SECRETS_KEY_OLD to the key in use and SECRETS_KEY to a new one (openssl rand -base64 32), then run again.',
    };
  let store: Awaited<ReturnType<typeof createStore>> | undefined;
  try {
    store = await createStore({ url: url.data, authToken: env.DATABASE_AUTH_TOKEN?.trim() || undefined, migrations });
    // real timer: a one-shot script stamps the new key version with the wall clock.
    const report = await rotateSecretsKey(store, env.SECRETS_KEY_OLD, env.SECRETS_KEY, Date.now());
    return {
      code: 0,
      text: `Re-encrypted ${report.secrets} secret(s) in ${describeUrl(url.data)} from key version ${report.from ?? 'none'} to ${report.to}. Start the bot with the new SECRETS_KEY; the old key no longer opens them.`,
    };
  } catch (err) {
    const e = toError(err);
    if (err instanceof StoreError) return { code: 3, text: e.message };
    return { code: err instanceof AppError ? 2 : 1, text: e.message };
  } finally {
    await store?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  loadDotenv({ quiet: true });
  const { code, text } = await runRotation(process.env);
  (code === 0 ? process.stdout : process.stderr).write(`${text}\n`);
  process.exit(code);
}
