import 'dotenv/config';
import { createToolRegistry } from './agents/registry.ts';
import { createNetworkFromRoster } from './agents/roster.ts';
import { createBuiltinTools } from './agents/tools/index.ts';
import { createTurnRunner } from './agents/turn-runner.ts';
import { loadConfig } from './config/load.ts';
import { createIdGen, systemClock } from './core/clock.ts';
import { ConfigError, StoreError, toError } from './core/errors.ts';
import { createLogger } from './core/logger.ts';
import { createGeminiLlm } from './llm/gemini.ts';
import { createUsageRecorder } from './llm/usage.ts';
import { createMemory } from './memory/memory.ts';
import { createStore, describeUrl } from './store/db.ts';
import { migrations } from './store/migrations/index.ts';
import { chatCommands, createChatFeature } from './telegram/features/chat.ts';
import { createMediaReader } from './telegram/features/media.ts';
import { createPlainReply } from './telegram/features/plain-reply.ts';
import { createFrontEnd, createTelegramApi } from './telegram/front-end.ts';
import { createTelegramOutbox } from './telegram/outbox.ts';
import { createRateLimiter } from './telegram/rate-limiter.ts';
import { createUsers } from './users/users.ts';
import { createAskUserTool } from './approvals/ask-user.ts';
import { createApprovalGate } from './approvals/gate.ts';
import { createApprovalPolicy } from './approvals/policy.ts';
import { createApprovals } from './approvals/service.ts';
import type { ResumableTurnRunner } from './core/turn.ts';
import { createScheduler } from './scheduler/scheduler.ts';
import { createSchedulerTools } from './scheduler/tools.ts';
import { approvalsCommands, createApprovalsFeature } from './telegram/features/approvals.ts';
import { createJobsFeature, jobsCommands } from './telegram/features/jobs.ts';
import type { FeatureModule } from './telegram/front-end.ts';

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

  const clock = systemClock;
  const ids = createIdGen();

  // Model, tools, memory, agents.
  const usage = createUsageRecorder({ store, clock, log });
  const llm = createGeminiLlm({
    apiKey: env.GEMINI_API_KEY,
    ...(env.GEMINI_BASE_URL ? { baseUrl: env.GEMINI_BASE_URL } : {}),
    defaultTimeoutMs: config.roster.limits.llmTimeoutMs,
    retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8000 },
    clock,
    log: log.child({ module: 'llm' }),
    embeddingModel: env.GEMINI_EMBEDDING_MODEL,
    onUsage: (rec) => usage.record(rec),
  });
  // Telegram's one outbound path and the users, needed by the scheduler and approvals.
  const api = createTelegramApi(env.TELEGRAM_BOT_TOKEN, env.TELEGRAM_API_ROOT);
  const limiter = createRateLimiter({ clock });
  const users = createUsers({ store, clock, defaultTimezone: env.DEFAULT_TIMEZONE, allowedUserIds: env.ALLOWED_USER_IDS });
  // The scheduler and approvals need the turn runner, which needs their tools: a late-bound reference breaks the cycle.
  let turnRunner!: ResumableTurnRunner;
  const lateRunner: ResumableTurnRunner = {
    run: (request, onEvent) => turnRunner.run(request, onEvent),
    resume: (request, suspension, resolutions, onEvent) => turnRunner.resume(request, suspension, resolutions, onEvent),
  };
  let scheduler: ReturnType<typeof createScheduler> | undefined;
  const outbox = createTelegramOutbox({
    api,
    store,
    clock,
    log,
    limiter,
    onChatMigrated: async (from, to) => {
      await scheduler?.migrateChat(from, to);
    },
  });
  const policy = createApprovalPolicy(config.approvals);
  const approvalGate = createApprovalGate({ policy, store, log: log.child({ module: 'approvals' }) });
  const approvals = createApprovals({
    store,
    outbox,
    turnRunner: lateRunner,
    policy,
    clock,
    idGen: ids,
    log: log.child({ module: 'approvals' }),
  });
  scheduler = createScheduler({
    store,
    clock,
    log: log.child({ module: 'scheduler' }),
    outbox,
    turnRunner: lateRunner,
    timezoneOf: (userId) => users.timezoneOf(userId),
    newId: ids,
    approvals,
  });

  const registry = createToolRegistry();
  registry.register(...createSchedulerTools(scheduler));
  registry.register(...createBuiltinTools(), createAskUserTool());
  const memory = createMemory({ store, llm, clock, ids, log: log.child({ module: 'memory' }), models: { chat: env.GEMINI_ROUTER_MODEL } });
  let network: ReturnType<typeof createNetworkFromRoster>;
  try {
    network = createNetworkFromRoster({
      roster: config.roster,
      prompts: config.prompts,
      models: { default: env.GEMINI_MODEL, router: env.GEMINI_ROUTER_MODEL },
      llm,
      registry,
      gate: approvalGate,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      await store.close();
      process.exit(2);
    }
    throw err;
  }
  turnRunner = createTurnRunner({ network, memory, clock, log: log.child({ module: 'turns' }), limits: config.roster.limits });

  const media = createMediaReader({ api, token: env.TELEGRAM_BOT_TOKEN, apiRoot: env.TELEGRAM_API_ROOT });
  const tlog = log.child({ module: 'telegram' });

  const features: FeatureModule[] = [
    { composer: createJobsFeature({ scheduler, outbox }), commands: jobsCommands },
    { composer: createApprovalsFeature({ approvals }), commands: approvalsCommands },
  ];
  let stopping = false;
  const frontEnd = createFrontEnd({
    config: {
      token: env.TELEGRAM_BOT_TOKEN,
      apiRoot: env.TELEGRAM_API_ROOT,
      mode: env.BOT_MODE,
      port: env.PORT,
      ...(env.WEBHOOK_URL ? { webhookUrl: env.WEBHOOK_URL } : {}),
      ...(env.WEBHOOK_SECRET ? { webhookSecret: env.WEBHOOK_SECRET } : {}),
    },
    store,
    log,
    clock,
    users,
    outbox,
    memory,
    features,
    chat: ({ control, journal }) => ({
      composer: createChatFeature({
        turnRunner,
        users,
        outbox,
        media,
        control,
        createReply: (params) => createPlainReply(outbox, tlog, params),
        journalEntry: (id) => journal.get(id),
        approvals,
      }),
      commands: chatCommands,
    }),
    onFatal: (error) => {
      process.stderr.write(`${error.message}\n`);
      void stop('fatal', 1);
    },
  });

  const stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(code || 1);
    }, 20_000);
    force.unref();
    try {
      await frontEnd.stop();
      await scheduler.stop();
      await approvals.stop();
      await memory.close();
      await usage.flush();
      limiter.close();
      await store.close();
    } catch (err) {
      log.error({ err: toError(err) }, 'error during shutdown');
      code ||= 1;
    }
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    const { port } = await frontEnd.start();
    await approvals.start();
    await scheduler.start();
    log.info({ port, mode: env.BOT_MODE }, 'assistant started');
  } catch (err) {
    const e = toError(err);
    log.fatal({ err: e }, 'cannot start the Telegram bot');
    process.stderr.write(`Cannot start the Telegram bot: ${e.message}\n`);
    await stop('startup-failed', 1);
  }
}

main().catch((err) => {
  process.stderr.write(`Fatal: ${toError(err).message}\n`);
  process.exit(1);
});
