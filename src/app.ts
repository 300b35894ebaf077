import { createAskUserTool } from './approvals/ask-user.ts';
import { auditTrail } from './approvals/audit.ts';
import { createApprovalGate } from './approvals/gate.ts';
import { createApprovalPolicy } from './approvals/policy.ts';
import { formatTime } from './approvals/prompt.ts';
import { createApprovals } from './approvals/service.ts';
import { createToolRegistry } from './agents/registry.ts';
import { createNetworkFromRoster } from './agents/roster.ts';
import { createBuiltinTools } from './agents/tools/index.ts';
import { createTurnRunner } from './agents/turn-runner.ts';
import type { Config } from './config/load.ts';
import type { Clock, IdGen } from './core/clock.ts';
import { toError } from './core/errors.ts';
import type { Logger } from './core/logger.ts';
import type { ResumableTurnRunner } from './core/turn.ts';
import type { Llm } from './llm/types.ts';
import { createGeminiLlm } from './llm/gemini.ts';
import { createUsageRecorder } from './llm/usage.ts';
import { createMemory } from './memory/memory.ts';
import { createMemoryTools, describeForgetCall } from './memory/tools.ts';
import { createScheduler } from './scheduler/scheduler.ts';
import { createSchedulerTools, describeSchedulerCall } from './scheduler/tools.ts';
import type { Store } from './store/db.ts';
import { approvalsCommands, createApprovalsFeature } from './telegram/features/approvals.ts';
import { chatCommands, createChatFeature } from './telegram/features/chat.ts';
import { createJobsFeature, jobsCommands } from './telegram/features/jobs.ts';
import { createMediaReader } from './telegram/features/media.ts';
import { createMemoryFeature, memoryCommands } from './telegram/features/memory.ts';
import { type FeatureModule, type FrontEndConfig, createFrontEnd, createTelegramApi } from './telegram/front-end.ts';
import { type RetryOptions as OutboxRetryOptions, createTelegramOutbox } from './telegram/outbox.ts';
import { type RateLimiterOptions, createRateLimiter } from './telegram/rate-limiter.ts';
import { createReplyFactory } from './telegram/reply-factory.ts';
import { createUsers } from './users/users.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  log: Logger;
  clock: Clock;
  ids: IdGen;
  /** Called when the bot cannot continue (e.g. Telegram rejected the token). */
  onFatal: (error: Error) => void;
  /** Overrides for tests and benchmarks (port 0, faster retries and limits, loopback fetches). */
  overrides?: {
    port?: number;
    allowPrivateFetch?: boolean;
    frontEnd?: Partial<FrontEndConfig>;
    limiter?: Omit<RateLimiterOptions, 'clock'>;
    outboxRetry?: OutboxRetryOptions;
    llmRetry?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
    maxFileBytes?: number;
  };
}

/** The whole assistant, wired: every service plus `start()` and `stop()`. Built once by main.ts (and by tests). */
export type App = ReturnType<typeof createApp>;

/**
 * Creates every module in dependency order. Throws ConfigError when the roster names unknown tools.
 * Nothing touches the network until `start()`.
 */
export function createApp(deps: AppDeps) {
  const { config, store, log, clock, ids } = deps;
  const { env } = config;

  const usage = createUsageRecorder({ store, clock, log });
  const llm: Llm = createGeminiLlm({
    apiKey: env.GEMINI_API_KEY,
    ...(env.GEMINI_BASE_URL ? { baseUrl: env.GEMINI_BASE_URL } : {}),
    defaultTimeoutMs: config.roster.limits.llmTimeoutMs,
    retry: deps.overrides?.llmRetry ?? { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8000 },
    clock,
    log: log.child({ module: 'llm' }),
    embeddingModel: env.GEMINI_EMBEDDING_MODEL,
    onUsage: (rec) => usage.record(rec),
  });

  // Telegram's one outbound path and the users: the scheduler, approvals and memory post through it.
  const api = createTelegramApi(env.TELEGRAM_BOT_TOKEN, env.TELEGRAM_API_ROOT);
  const limiter = createRateLimiter({ clock, privateBurst: 3, ...deps.overrides?.limiter });
  const users = createUsers({ store, clock, defaultTimezone: env.DEFAULT_TIMEZONE, allowedUserIds: env.ALLOWED_USER_IDS });

  // The scheduler and approvals need the turn runner, which needs their tools: a late-bound reference breaks the cycle.
  let turnRunner: ResumableTurnRunner | undefined;
  const runner = (): ResumableTurnRunner => {
    if (!turnRunner) throw new Error('turn runner used before it was created');
    return turnRunner;
  };
  const lateRunner: ResumableTurnRunner = {
    run: (request, onEvent) => runner().run(request, onEvent),
    resume: (request, suspension, resolutions, onEvent) => runner().resume(request, suspension, resolutions, onEvent),
  };
  let scheduler: ReturnType<typeof createScheduler> | undefined;
  const outbox = createTelegramOutbox({
    api,
    store,
    clock,
    log,
    limiter,
    ...(deps.overrides?.outboxRetry ? { retry: deps.overrides.outboxRetry } : {}),
    onChatMigrated: async (from, to) => {
      await scheduler?.migrateChat(from, to);
    },
  });

  const memory = createMemory({ store, llm, clock, ids, log: log.child({ module: 'memory' }), models: { chat: env.GEMINI_ROUTER_MODEL } });
  const policy = createApprovalPolicy(config.approvals);
  // `jobs` is created below; the gate only describes calls once turns run.
  const gate = createApprovalGate({
    policy,
    store,
    log: log.child({ module: 'approvals' }),
    describe: async (call, ctx) => (await describeSchedulerCall(jobs)(call, ctx)) ?? describeForgetCall(memory)(call, ctx),
  });
  const approvals = createApprovals({ store, outbox, turnRunner: lateRunner, policy, clock, idGen: ids, log: log.child({ module: 'approvals' }) });
  const jobs = createScheduler({
    store,
    clock,
    log: log.child({ module: 'scheduler' }),
    outbox,
    turnRunner: lateRunner,
    timezoneOf: (userId) => users.timezoneOf(userId),
    newId: ids,
    approvals,
  });
  scheduler = jobs;

  const registry = createToolRegistry();
  registry.register(
    ...createBuiltinTools(deps.overrides?.allowPrivateFetch ? { httpFetch: { allowPrivate: true } } : {}),
    createAskUserTool(),
    ...createSchedulerTools(jobs),
    ...createMemoryTools(memory),
  );
  const network = createNetworkFromRoster({
    roster: config.roster,
    prompts: config.prompts,
    models: { default: env.GEMINI_MODEL, router: env.GEMINI_ROUTER_MODEL },
    llm,
    registry,
    gate,
  });
  turnRunner = createTurnRunner({ network, memory, clock, log: log.child({ module: 'turns' }), limits: config.roster.limits });

  const tlog = log.child({ module: 'telegram' });
  const media = createMediaReader({
    api,
    token: env.TELEGRAM_BOT_TOKEN,
    apiRoot: env.TELEGRAM_API_ROOT,
    ...(deps.overrides?.maxFileBytes ? { maxBytes: deps.overrides.maxFileBytes } : {}),
  });
  const features: FeatureModule[] = [
    {
      composer: createMemoryFeature({
        memory,
        outbox,
        auditTrail: async (chat, userId) => {
          const zone = await users.timezoneOf(userId);
          return auditTrail(await approvals.eventsForChat(chat.chatId, 50, userId), userId, (at) => formatTime(at, zone, clock.now()));
        },
      }),
      commands: memoryCommands,
    },
    { composer: createJobsFeature({ scheduler: jobs, outbox }), commands: jobsCommands },
    { composer: createApprovalsFeature({ approvals }), commands: approvalsCommands },
  ];
  const frontEnd = createFrontEnd({
    config: {
      token: env.TELEGRAM_BOT_TOKEN,
      apiRoot: env.TELEGRAM_API_ROOT,
      mode: env.BOT_MODE,
      port: deps.overrides?.port ?? env.PORT,
      ...(env.WEBHOOK_URL ? { webhookUrl: env.WEBHOOK_URL } : {}),
      ...(env.WEBHOOK_SECRET ? { webhookSecret: env.WEBHOOK_SECRET } : {}),
      journalLeaseMs: env.JOURNAL_LEASE_MS,
      ...deps.overrides?.frontEnd,
    },
    store,
    log,
    clock,
    ids,
    users,
    outbox,
    memory,
    features,
    chat: ({ control, journal }) => ({
      composer: createChatFeature({
        turnRunner: lateRunner,
        users,
        outbox,
        media,
        control,
        createReply: createReplyFactory({ outbox, clock, log: tlog }),
        journalEntry: (id) => journal.get(id),
        approvals,
      }),
      commands: chatCommands,
    }),
    onFatal: (error) => deps.onFatal(error),
  });

  return {
    config,
    store,
    limiter,
    llm,
    users,
    outbox,
    memory,
    approvals,
    scheduler: jobs,
    registry,
    turnRunner: lateRunner,
    frontEnd,
    /** Starts intake (polling or webhook), the health server, the sweeper, the scheduler and memory maintenance. */
    async start(): Promise<{ port: number }> {
      const started = await frontEnd.start();
      memory.start();
      await approvals.start();
      await jobs.start();
      return started;
    },
    /** Stops intake first, lets in-flight work finish within bounds, then flushes background writes. */
    async stop(): Promise<void> {
      const errors: unknown[] = [];
      for (const step of [
        () => frontEnd.stop(),
        () => jobs.stop(),
        () => approvals.stop(),
        () => memory.close(),
        () => usage.flush(),
      ]) {
        try {
          await step();
        } catch (err) {
          errors.push(err);
          log.error({ err: toError(err) }, 'error during shutdown');
        }
      }
      limiter.close();
      if (errors.length > 0) throw toError(errors[0]);
    },
  };
}
