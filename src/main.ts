import 'dotenv/config';
import { loadConfig } from './config/load.ts';
import { ConfigError, StoreError, toError } from './core/errors.ts';
import { createLogger } from './core/logger.ts';
import { createStore, describeUrl } from './store/db.ts';
import { migrations } from './store/migrations/index.ts';

/** Composition root: load config, create everything, start, stop. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nSee .env.example and README.md for every setting.\n`);
      process.exit(2);
    }
    throw err;
  }
  const { env } = config;
  const log = createLogger({ level: env.LOG_LEVEL, pretty: env.LOG_FORMAT === 'pretty' });

  let store: Awaited<ReturnType<typeof createStore>>;
  try {
    store = await createStore({ url: env.DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN, migrations });
  } catch (err) {
    const e = toError(err);
    log.fatal({ err: e, database: describeUrl(env.DATABASE_URL) }, 'cannot open the database');
    process.stderr.write(`${e.message}\n`);
    process.exit(err instanceof StoreError ? 3 : 1);
  }
  log.info({ database: describeUrl(env.DATABASE_URL), kind: store.kind }, 'database ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await store.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Fatal: ${toError(err).message}\n`);
  process.exit(1);
});
