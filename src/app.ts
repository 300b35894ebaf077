import { createAskUserTool } from './approvals/ask-user.ts';
import { createApprovalGate } from './approvals/gate.ts';
import { createApprovalPolicy } from './approvals/policy.ts';
import { createApprovals } from './approvals/service.ts';
import { createToolRegistry } from './agents/registry.ts';
import { createRosterAgent } from './agents/roster-agent.ts';
import { createBuiltinTools } from './agents/tools/index.ts';
import { createTurnRunner } from './agents/turn-runner.ts';
import { createWrappableTurnRunner } from './agents/turn-wrappers.ts';
import { createAppGuards } from './app-guards.ts';
import { createIntegrationsWiring } from './app-integrations.ts';
import { createAppObservability } from './app-observability.ts';
import { stopInOrder } from './app-lifecycle.ts';
import { createRoutines, joinLifecycles, lateRunner } from './app-routines.ts';
import { createSecretsModule } from './app-secrets.ts';
import { createSkillsWiring } from './app-skills.ts';
import { createAppUsage } from './app-usage.ts';
import { createSchedulerWiring } from './app-scheduler.ts';
import { createAppWorkflows } from './app-workflows.ts';
import { createAppTasks } from './app-tasks.ts';
import type { AppTestOptions } from './app-options.ts';
import { createChatModule, createFeatureModules } from './app-features.ts';
import { createKnowledgeFeature, withKnowledge } from './app-knowledge.ts';
import { createKnowledgeChat } from './app-knowledge-chat.ts';
import type { Config } from './config/load.ts';
import type { Clock, IdGen } from './core/clock.ts';
import { toError } from './core/errors.ts';
import type { Logger } from './core/logger.ts';
import type { Suspension, TurnRequest } from './core/turn.ts';
import type { Llm } from './llm/types.ts';
import { type LlmCallRecord, createGeminiLlm } from './llm/gemini.ts';
import { createMemory } from './memory/memory.ts';
import { createMemoryTools } from './memory/tools.ts';
import { createWipeFence } from './privacy/fence.ts';
import { createPrivacy } from './privacy/privacy.ts';
import { createPruner } from './retention/pruner.ts';
import { trackJobCards } from './scheduler/card-tracker.ts';
import type { Store } from './store/db.ts';
import { createFrontEnd, createTelegramApi } from './telegram/front-end.ts';
import { createTelegramOutbox } from './telegram/outbox.ts';
import { sendLimiterFor } from './telegram/send-budget.ts';
import { createChatSettings } from './users/chat-settings.ts';
import { announceRunning } from './users/pairing.ts';
import { createRevocation } from './users/revoke.ts';
import { createUsers } from './users/users.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  log: Logger;
  clock: Clock;
  ids: IdGen;
  /** Called when the bot cannot continue (e.g. Telegram rejected the token). */
  onFatal: (error: Error) => void;
}

/** The Gemini adapter as configured; every call's usage goes to `onUsage`. */
function createLlm(deps: AppDeps, test: AppTestOptions, onUsage: (rec: LlmCallRecord) => void): Llm {
  const { config, clock, log } = deps;
  const { env } = config;
  return createGeminiLlm({
    apiKey: env.GEMINI_API_KEY,
    ...(env.GEMINI_BASE_URL ? { baseUrl: env.GEMINI_BASE_URL } : {}),
    defaultTimeoutMs: config.roster.limits.llmTimeoutMs,
    retry: test.llmRetry ?? { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8000 },
    clock,
    log: log.child({ module: 'llm' }),
    embeddingModel: env.GEMINI_EMBEDDING_MODEL,
    onUsage,
  });
}

/** The whole assistant, wired: every service plus `start()` and `stop()`. Built once by main.ts (and by tests). */
export type App = ReturnType<typeof createApp>;

/**
 * Creates every module in dependency order. Throws ConfigError when the roster names unknown tools.
 * Nothing touches the network until `start()`.
 */
export function createApp(deps: AppDeps, test: AppTestOptions = {}) {
  const { config, log, clock, ids } = deps;
  const { env } = config;
  const o11y = createAppObservability(deps, test.observability); // metrics, traces: model calls, DB writes, sends
  const store = o11y.store();
  const usage = createAppUsage(deps);
  const llm = o11y.llm(usage.guard(createLlm(deps, test, usage.onCall)));

  // Telegram's one outbound path and the users: the scheduler, approvals and memory post through it.
  const api = createTelegramApi(env.TELEGRAM_BOT_TOKEN, env.TELEGRAM_API_ROOT);
  // Instances on one remote database share Telegram's budget through it; a local file keeps the in-process path.
  const limiter = sendLimiterFor({ clock, privateBurst: 3, ...test.limiter }, { store, clock, log });
  const users = createUsers({
    store,
    clock,
    defaultTimezone: env.DEFAULT_TIMEZONE,
    allowedUserIds: env.ALLOWED_USER_IDS,
  });

  // A moved group's jobs and settings follow it; the scheduler adds its own once it exists (it needs the outbox).
  const chatMigrations: ((from: number, to: number) => Promise<unknown>)[] = [];
  const chatSettings = createChatSettings({ store, clock });
  const telegramOutbox = createTelegramOutbox({
    api,
    store,
    clock,
    log,
    limiter,
    ...(test.outboxRetry ? { retry: test.outboxRetry } : {}),
    onChatMigrated: async (from, to) => {
      for (const migrate of chatMigrations) await migrate(from, to);
      await chatSettings.migrate(from, to);
    },
  });
  // Every message carrying a job's confirmation card is remembered, so the card follows its job (fired, deleted).
  const outbox = trackJobCards(o11y.outbox(telegramOutbox), store, (err) =>
    log.warn({ err: toError(err) }, 'could not remember a job card'),
  );
  const base = { ...deps, store, outbox, users }; // what most wiring files take

  const memory = createMemory({
    store,
    llm: usage.forMemory(llm),
    clock,
    ids,
    log: log.child({ module: 'memory' }),
    models: { chat: env.GEMINI_ROUTER_MODEL },
    options: { cacheMaxBytes: env.VECTOR_CACHE_MB * 1024 * 1024 },
  });
  const knowledge = createKnowledgeFeature({ config, store, llm, clock, log });
  const library = createKnowledgeChat({ kb: knowledge, api, env, test, outbox, users, clock, log });
  const secrets = createSecretsModule({ ...base, secretsKey: env.SECRETS_KEY });
  const localeOf = (userId: number) => users.localeOf(userId);
  const mcp = createIntegrationsWiring({ config, clock, log, outbox, localeOf, secrets: secrets.secrets });
  const policy = mcp.policy(createApprovalPolicy(config.approvals));
  // Modules register their tools below, once they exist; the roster's agents look them up at `network.resolve()`.
  const registry = createToolRegistry();
  // Tools describe their own calls for the prompt; `registry` is filled below, before any turn runs.
  const gate = createApprovalGate({
    policy,
    store,
    log: log.child({ module: 'approvals' }),
    toolNamed: (name) => registry.get(name) ?? mcp.toolNamed(name),
    localeOf: (userId) => users.localeOf(userId),
  });
  const network = createRosterAgent({
    roster: config.roster,
    prompts: config.prompts,
    models: { default: env.GEMINI_MODEL, router: env.GEMINI_ROUTER_MODEL },
    llm,
    registry,
    gate,
    extraTools: mcp.toolsFor,
  });
  // A turn still running when its user sends /wipe must not write the conversation back: the fence drops its memory
  // commit, and a pause for a decision it reaches afterwards is not stored either.
  const fence = createWipeFence();
  // The one runner every path uses (chat, approvals, scheduled runs); the scheduler wraps it with its cards below.
  const turnRunner = createWrappableTurnRunner(
    createTurnRunner({
      network,
      memory: library.wrapMemory(fence.wrap(memory)),
      clock,
      log: log.child({ module: 'turns' }),
      limits: config.roster.limits,
      processors: createAppGuards(deps, secrets.secrets),
    }),
  );
  const isServed = (userId: number) => users.isServed(userId);
  const approvals = createApprovals({
    store,
    outbox,
    turnRunner,
    policy,
    clock,
    idGen: ids,
    log: log.child({ module: 'approvals' }),
    isServed,
    localeOf: (userId) => users.localeOf(userId),
  });
  const suspensions = {
    onSuspended: async (request: TurnRequest, suspension: Suspension) => {
      if (!fence.stale(request)) return approvals.onSuspended(request, suspension);
      log.info({ turnId: request.turnId }, 'turn paused after its user wiped their data; not stored');
      return undefined;
    },
    answerFromText: approvals.answerFromText,
  };
  const skills = createSkillsWiring({ ...base, llm, turnRunner, approvals: suspensions });
  const routines = createRoutines({ skills: skills.routines, workflows: lateRunner(() => workflows.runner) });
  const scheduler = createSchedulerWiring(base, {
    ...{ turnRunner, chatSettings, isServed, routines, approvals: suspensions },
    onChatMigration: (migrate) => chatMigrations.push(migrate),
  });
  const jobs = scheduler.jobs;
  usage.attach({ turnRunner, users, outbox });
  const tasks = createAppTasks({ ...base, turnRunner, approvals: suspensions, registry }, test.tasks);
  // Ending someone's access pauses their jobs and cancels their approvals (at once, and at start for offline changes).
  const revocation = createRevocation({ store, outbox, users, clock, log });
  users.onAccessChange((change) => revocation.onAccessChange(change));
  let pairingCode: string | undefined;
  registry.register(
    // Redirects to another host are checked against the same gate (policy + the user's grants).
    ...createBuiltinTools({
      httpFetch: { preapproval: gate, ...(test.allowPrivateFetch ? { allowPrivate: true } : {}) },
    }),
    createAskUserTool(),
    ...scheduler.tools,
    ...createMemoryTools(memory, { localeOf: (userId) => users.localeOf(userId) }),
    ...skills.tools,
  );
  library.attach({ registry, preapproval: gate, turnRunner }); // library tools; citation buttons under answers
  // Every tool is registered: the roster's agents get theirs (ConfigError for unknown tools or missing prompts).
  network.resolve();
  const workflows = createAppWorkflows({ ...base, llm, registry, gate, toolNamed: mcp.toolNamed });
  const background = joinLifecycles(workflows, tasks); // runs left by a crash or a stop resume at start
  const privacy = createPrivacy({
    store,
    clock,
    log: log.child({ module: 'privacy' }),
    memory,
    knowledge,
    approvals,
    fence,
    outbox,
    localeOf: (userId) => users.localeOf(userId),
  });
  const pruner = createPruner({ store, clock, log: log.child({ module: 'retention' }), afterPass: store.checkpoint });
  const featureDeps = { store, clock, outbox, users, chatSettings, memory, privacy, approvals, jobs };
  const features = [...createFeatureModules({ ...featureDeps, connect: secrets.feature }), mcp.feature];
  const frontEnd = createFrontEnd({
    config: {
      token: env.TELEGRAM_BOT_TOKEN,
      apiRoot: env.TELEGRAM_API_ROOT,
      mode: env.BOT_MODE,
      port: test.port ?? env.PORT,
      ...(env.WEBHOOK_URL ? { webhookUrl: env.WEBHOOK_URL } : {}),
      ...(env.WEBHOOK_SECRET ? { webhookSecret: env.WEBHOOK_SECRET } : {}),
      journalLeaseMs: env.JOURNAL_LEASE_MS,
      ...test.frontEnd,
    },
    store,
    log,
    clock,
    ids,
    users,
    outbox,
    memory,
    features: [
      ...[...features, library.feature, usage.feature(), o11y.feature({ users, outbox })],
      ...[workflows.feature, tasks.feature, skills.feature],
    ],
    chat: createChatModule({
      turnRunner,
      clock,
      users,
      outbox,
      approvals: suspensions,
      log: log.child({ module: 'telegram' }),
      media: {
        api,
        token: env.TELEGRAM_BOT_TOKEN,
        apiRoot: env.TELEGRAM_API_ROOT,
        ...(test.maxFileBytes ? { maxBytes: test.maxFileBytes } : {}),
      },
    }),
    onFatal: (error) => deps.onFatal(error),
    routes: o11y.routes,
  });

  const app = withKnowledge(knowledge, {
    config,
    store,
    limiter,
    llm,
    users,
    outbox,
    memory,
    approvals,
    scheduler: jobs,
    workflows: workflows.runner,
    registry,
    integrations: mcp.integrations,
    turnRunner,
    privacy,
    pruner,
    frontEnd,
    revocation,
    /** The one-time code that claims an unowned bot, made at `start()` (also printed in the log); undefined once owned. */
    pairingCode: () => pairingCode,
    /** Starts intake (polling or webhook), the health server, the sweeper, the scheduler, memory maintenance and pruning. */
    async start(): Promise<{ port: number }> {
      // Before intake replays the journal and the scheduler fires: nothing runs for someone who lost access offline.
      await revocation.reconcile();
      pairingCode = await users.issuePairingCode();
      const started = await frontEnd.start();
      announceRunning(log, frontEnd.bot.botInfo.username, pairingCode);
      memory.start();
      mcp.start();
      await approvals.start();
      await jobs.start();
      background.start();
      pruner.start();
      return started;
    },
    /** Stops intake first, lets in-flight work finish within bounds, then flushes background writes. */
    async stop(): Promise<void> {
      try {
        await stopInOrder(log, [
          () => frontEnd.stop(),
          () => mcp.stop(),
          () => jobs.stop(),
          () => background.stop(),
          () => approvals.stop(),
          () => pruner.stop(),
          () => memory.close(),
          () => usage.flush(),
        ]);
      } finally {
        limiter.close();
      }
    },
  });
  return o11y.wrap(app, { turnRunner, dispatcher: frontEnd.dispatcher }); // last: its turn span is outermost
}
