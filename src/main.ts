// First: process-wide settings that must hold before any other module loads.
import './core/zod-setup.ts';
import { config as loadDotenv } from 'dotenv';
import { createApp } from './app.ts';
import { type Config, loadConfig } from './config/load.ts';
import { createIdGen, systemClock } from './core/clock.ts';
import { ConfigError, StoreError, toError } from './core/errors.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { guardProcessOutput } from './core/output-guard.ts';
import { createScrubber, secretsFromEnv } from './core/scrub.ts';
import { createStore, describeUrl, type Store } from './store/db.ts';
import { migrations } from './store/migrations/index.ts';

/** Reads the configuration, or prints every problem and exits with code 2. */
function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nSee .env.example and README.md for every setting.\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Opens the database and runs migrations, or logs why not and exits (3 for a store error). */
async function openStoreOrExit(env: Config['env'], log: Logger): Promise<Store> {
  try {
    const store = await createStore({
      url: env.DATABASE_URL,
      authToken: env.DATABASE_AUTH_TOKEN,
      migrations,
      log: log.child({ module: 'store' }),
      idleCheckpoint: { clock: systemClock },
    });
    log.info({ database: describeUrl(env.DATABASE_URL), kind: store.kind }, 'database ready');
    return store;
  } catch (err) {
    const e = toError(err);
    log.fatal({ err: e, database: describeUrl(env.DATABASE_URL) }, 'cannot open the database');
    process.stderr.write(`${e.message}\n`);
    process.exit(err instanceof StoreError ? 3 : 1);
  }
}

/** Composition root: load config, create everything, start, stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  // `quiet`: dotenv would otherwise print a banner line into the JSON log stream.
  loadDotenv({ quiet: true });
  // Secret values are known before anything can print: every line written from here on is scrubbed of them.
  const secrets = secretsFromEnv(process.env);
  guardProcessOutput(createScrubber(secrets));
  const config = loadConfigOrExit();
  const { env } = config;
  const log = createLogger({ level: env.LOG_LEVEL, pretty: env.LOG_FORMAT === 'pretty', secrets });
  const store = await openStoreOrExit(env, log);

  let stopping = false;
  let app: ReturnType<typeof createApp> | undefined;
  const stop = async (reason: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    // real timer: the process watchdog must fire even if the app's Clock-driven work hangs.
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(code || 1);
    }, 25_000);
    force.unref();
    try {
      await app?.stop();
    } catch {
      code ||= 1;
    }
    await store.close().catch(() => undefined);
    log.info('stopped');
    process.exit(code);
  };

  try {
    app = createApp({
      config,
      store,
      log,
      clock: systemClock,
      ids: createIdGen(),
      onFatal: (error) => {
        process.stderr.write(`${error.message}\n`);
        void stop('fatal', 1);
      },
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      await store.close();
      process.exit(2);
    }
    throw err;
  }
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (reason) => {
    log.error({ err: toError(reason) }, 'unhandled promise rejection');
  });
  await startOrStop(app, env, log, stop);
}

/** Starts the bot; a failure is logged, printed, and stops the process with code 1. */
async function startOrStop(
  app: ReturnType<typeof createApp>,
  env: Config['env'],
  log: Logger,
  stop: (reason: string, code?: number) => Promise<void>,
): Promise<void> {
  try {
    const { port } = await app.start();
    log.info({ port, mode: env.BOT_MODE }, 'assistant started');
  } catch (err) {
    const e = toError(err);
    log.fatal({ err: e }, 'cannot start the Telegram bot');
    process.stderr.write(`Cannot start the Telegram bot: ${e.message}\n`);
    await stop('startup-failed', 1);
  }
}

/** Set by the production launcher when the build loads the bundle only to save a code cache (scripts/build/launcher.mjs). */
declare const __bundleLoadOnly: boolean | undefined;

if (typeof __bundleLoadOnly === 'undefined' || !__bundleLoadOnly) {
  main().catch((err) => {
    process.stderr.write(`Fatal: ${toError(err).message}\n`);
    process.exit(1);
  });
}
