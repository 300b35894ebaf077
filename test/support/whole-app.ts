/**
 * The whole app (src/app.ts) in-process against the fakes, wired the way main.ts wires it, with fast limits and
 * retries, port 0, and the knobs the suites need: a Telegram API root that may point at a fault proxy, a short LLM
 * timeout, webhook mode, and a reused database for restart scenarios.
 */
import { resolve } from 'node:path';
import type { ObservabilityTestOptions } from '../../src/observability/observability.ts';
import { type App, createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config/load.ts';
import { type Clock, createIdGen, systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import type { TaskOptions } from '../../src/tasks/task.ts';
import type { FrontEndConfig } from '../../src/telegram/front-end.ts';
import type { RetryOptions } from '../../src/telegram/outbox.ts';
import { repoRoot } from './child-bot.ts';
import type { FakeGemini } from './fake-gemini.ts';
import type { FakeTelegram } from './fake-telegram.ts';
import { type TempDb, tempDbUrl } from './temp-db.ts';

export interface WholeApp {
  app: App;
  store: Store;
  db: TempDb;
  port: number;
  fatal: Error[];
  close(): Promise<void>;
}

export interface WholeAppOptions {
  tg: FakeTelegram;
  gemini: FakeGemini;
  allowedUserIds: number[];
  /** Where the app sends Bot API calls (a fault proxy); default the fake's own root. */
  apiRoot?: string;
  /** Per-attempt Gemini timeout (the roster's llmTimeoutMs; the config schema's 1 s floor is bypassed on purpose). */
  llmTimeoutMs?: number;
  llmRetry?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  outboxRetry?: RetryOptions;
  maxFileBytes?: number;
  webhook?: { url: string; secret: string };
  /** Front-end settings on top of the fast test defaults (e.g. queuedNoticeMs). */
  frontEnd?: Partial<FrontEndConfig>;
  /** Reuse a database (restart scenarios); it is then left for the caller to clean up. */
  db?: TempDb;
  /** Let http_fetch reach loopback (a local test server); the approval policy still applies. */
  allowPrivateFetch?: boolean;
  /** Observability test hooks (an in-memory span exporter). */
  observability?: ObservabilityTestOptions;
  /** More environment variables (e.g. SECRETS_KEY). */
  env?: Record<string, string>;
  /** Where log lines go and at which level (default: TEST_LOG_LEVEL or silent, to stdout). */
  log?: { level: string; destination: NonNullable<Parameters<typeof createLogger>[0]['destination']> };
  /** Changes the loaded configuration (e.g. an approvals policy that offers "Always allow" for another tool). */
  config?: (config: Config) => Config;
  /** CONFIG_DIR (default the repository's config/). */
  configDir?: string;
  /** Background task limits and timings (src/tasks). */
  tasks?: Partial<TaskOptions>;
  /** The app's clock (default the system clock), e.g. one a test moves forward to make a job due. */
  clock?: Clock;
}

/** Starts the complete assistant the way main.ts wires it, with fast limits. */
export async function startWholeApp(options: WholeAppOptions): Promise<WholeApp> {
  const db = options.db ?? tempDbUrl('app');
  const store = await createStore({
    url: db.url,
    migrations,
    // As main.ts: the store's own maintenance runs on the system clock, not on a test's manual app clock.
    idleCheckpoint: { clock: systemClock },
  });
  const log = createLogger({
    level: options.log?.level ?? process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(options.log ? { destination: options.log.destination } : {}),
    secrets: [options.tg.token, options.gemini.apiKey, options.webhook?.secret],
  });
  const loaded = loadConfig({
    TELEGRAM_BOT_TOKEN: options.tg.token,
    TELEGRAM_API_ROOT: options.apiRoot ?? options.tg.apiRoot,
    GEMINI_API_KEY: options.gemini.apiKey,
    GEMINI_BASE_URL: options.gemini.baseUrl,
    ALLOWED_USER_IDS: options.allowedUserIds.join(','),
    CONFIG_DIR: options.configDir ?? resolve(repoRoot, 'config'),
    ...options.env,
    ...(options.webhook
      ? { BOT_MODE: 'webhook', WEBHOOK_URL: options.webhook.url, WEBHOOK_SECRET: options.webhook.secret }
      : {}),
  });
  const config: Config =
    options.llmTimeoutMs === undefined
      ? loaded
      : {
          ...loaded,
          roster: { ...loaded.roster, limits: { ...loaded.roster.limits, llmTimeoutMs: options.llmTimeoutMs } },
        };
  const fatal: Error[] = [];
  const app = createApp(
    {
      config: options.config ? options.config(config) : config,
      store,
      log,
      clock: options.clock ?? systemClock,
      ids: createIdGen(),
      onFatal: (e) => fatal.push(e),
    },
    {
      port: 0,
      frontEnd: { host: '127.0.0.1', pollTimeoutSeconds: 1, shutdownGraceMs: 1500, ...options.frontEnd },
      limiter: { privatePerSec: 100, groupPerMin: 1000, globalPerSec: 1000, lightIntervalMs: 1 },
      outboxRetry: options.outboxRetry ?? { baseDelayMs: 20, maxDelayMs: 100 },
      llmRetry: options.llmRetry ?? { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
      ...(options.maxFileBytes ? { maxFileBytes: options.maxFileBytes } : {}),
      ...(options.allowPrivateFetch ? { allowPrivateFetch: true } : {}),
      ...(options.tasks ? { tasks: options.tasks } : {}),
      ...(options.observability ? { observability: options.observability } : {}),
    },
  );
  const { port } = await app.start();
  return {
    app,
    store,
    db,
    port,
    fatal,
    async close() {
      await app.stop();
      await store.close();
      if (!options.db) await db.cleanup();
    },
  };
}
