import { Api, type Composer } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { type Clock, createIdGen, type IdGen } from '../core/clock.ts';
import { type AppError, toError } from '../core/errors.ts';
import type { HttpRoute } from '../core/http-route.ts';
import type { Logger } from '../core/logger.ts';
import { telemetry } from '../core/telemetry.ts';
import type { ConversationMemory } from '../core/memory.ts';
import type { Store } from '../store/db.ts';
import type { Users } from '../users/users.ts';
import { createBot, initBot } from './bot.ts';
import type { BotContext } from './context.ts';
import { accessCommands, createAccessFeature } from './features/access.ts';
import { commandsCommands, createCommandsFeature } from './features/commands.ts';
import { createGroupsFeature, isForBot, stripForStranger } from './features/groups.ts';
import { frontEndHealth } from './front-end-health.ts';
import { createMetadataOnly, startInbound } from './front-end-inbound.ts';
import { createDispatcher, type Dispatcher } from './intake/dispatcher.ts';
import { createIntake, type Intake } from './intake/intake.ts';
import { createJournal, DEFAULT_LEASE_MS, type Journal } from './intake/journal.ts';
import { type LeaseLoops, startLeaseLoops } from './intake/lease.ts';
import type { Polling } from './intake/polling.ts';
import type { Health, HttpServer } from './intake/server.ts';
import { createTurnControl, type TurnControl } from './intake/turn-control.ts';
import type { TelegramOutbox } from './outbox.ts';
import { createQueueNotices } from './queue-notices.ts';

/** A feature another module contributes: its composer and its commands for setMyCommands and /help. */
export interface FeatureModule {
  composer: Composer<BotContext>;
  commands?: { command: string; description: string }[];
  /** Sees every update before the journal: returns a replacement to record and handle instead (see Intake). */
  intercept?: (update: Update) => Promise<Update | undefined>;
}

export interface FrontEndConfig {
  token: string;
  apiRoot: string;
  mode: 'polling' | 'webhook';
  /** HTTP port for /healthz (and the webhook); 0 picks a free one. */
  port: number;
  host?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Updates running at once across chats. Default 8. */
  concurrency?: number;
  /** Grace period for in-flight turns on stop. Default 10 s. */
  shutdownGraceMs?: number;
  /** Long-poll timeout (s). Default 25. */
  pollTimeoutSeconds?: number;
  /** Journal rows kept for dedupe after they finish. Default 7 days. */
  journalRetentionMs?: number;
  queuedNoticeMs?: number;
  /**
   * How long this instance's claim on an unfinished journal row holds without a heartbeat (another instance on the
   * same database takes the row over after it). Default 60 s.
   */
  journalLeaseMs?: number;
  /** How often the leases of rows held by this instance are extended. Default a quarter of the lease. */
  journalHeartbeatMs?: number;
  /** How often rows of crashed instances (lease expired, or dead process on this machine) are looked for. Default a third of the lease. */
  journalRecoverMs?: number;
  botInfo?: UserFromGetMe;
}

export interface FrontEndDeps {
  config: FrontEndConfig;
  store: Store;
  log: Logger;
  clock: Clock;
  /** Makes this process's instance id (owner of journal rows). Default random ids. */
  ids?: IdGen;
  users: Users;
  outbox: TelegramOutbox;
  memory?: Pick<ConversationMemory, 'newThread'>;
  /** Other features (memory, jobs, approvals…), run after commands and before chat. */
  features?: FeatureModule[];
  /** The chat (model) feature, built by the caller with the front end's turn control and journal; runs last. */
  chat?: (parts: { control: TurnControl; journal: Journal }) => FeatureModule;
  /** Called when the bot cannot continue (bad token). */
  onFatal: (error: AppError) => void;
  /** More routes on the HTTP server (e.g. /metrics). */
  routes?: HttpRoute[];
}

export interface FrontEnd {
  bot: ReturnType<typeof createBot>;
  control: TurnControl;
  dispatcher: Dispatcher;
  intake: Intake;
  /** getMe, setMyCommands, resume unfinished updates, start polling or set the webhook, listen on PORT. */
  start(): Promise<{ port: number }>;
  /** Stops intake, lets in-flight turns finish within the grace period (aborting the rest), closes the server. */
  stop(): Promise<void>;
  health(): Promise<Health>;
}

/** A grammY API client for the outbox and other modules that send before (or without) the bot. */
export function createTelegramApi(token: string, apiRoot: string): Api {
  return new Api(token, { apiRoot: apiRoot.replace(/\/+$/, '') });
}

/** Wires the inbound side: bot and features, journal, dispatcher, polling or webhook, and the health server. */
export function createFrontEnd(deps: FrontEndDeps): FrontEnd {
  const { config, store, log, clock, users, outbox } = deps;
  const startedAt = clock.now();
  const control = createTurnControl();
  const leaseMs = config.journalLeaseMs ?? DEFAULT_LEASE_MS;
  const journal = createJournal({ store, clock, instanceId: (deps.ids ?? createIdGen())(), leaseMs });
  const tlog = log.child({ module: 'telegram', instance: journal.instanceId });

  const chat = deps.chat?.({ control, journal });
  const extra = deps.features ?? [];
  const allCommands = () => [
    ...commandsCommands,
    ...extra.flatMap((f) => f.commands ?? []),
    ...(chat?.commands ?? []),
    ...accessCommands,
  ];
  const bot = createBot({
    token: config.token,
    apiRoot: config.apiRoot,
    log: tlog,
    outbox,
    journal,
    ...(config.botInfo ? { botInfo: config.botInfo } : {}),
    features: {
      groups: createGroupsFeature(),
      access: createAccessFeature({ users, outbox }),
      commands: createCommandsFeature({
        users,
        outbox,
        control,
        allCommands,
        now: clock.now,
        ...(deps.memory ? { memory: deps.memory } : {}),
      }),
      extra: extra.map((f) => f.composer),
      ...(chat ? { chat: chat.composer } : {}),
    },
  });

  const notices = createQueueNotices({ outbox, users, log: tlog });
  const dispatcher = createDispatcher({
    journal,
    control,
    log: tlog,
    clock,
    concurrency: config.concurrency ?? 8,
    ...(config.queuedNoticeMs !== undefined ? { queuedNoticeMs: config.queuedNoticeMs } : {}),
    // The trace root of an update: its turn, the model and tool calls, the answer's sends.
    handle: (update) =>
      telemetry().span('telegram.update', { 'telegram.update_id': update.update_id }, () => bot.handleUpdate(update)),
    willAnswer: (update) => {
      const m = update.message;
      return !m || !bot.isInited() || isForBot(m, bot.botInfo);
    },
    onQueued: notices.onQueued,
    onGiveUp: notices.onGiveUp,
  });

  const metadataOnly = createMetadataOnly({ bot, users, log: tlog });
  const strip = (update: Parameters<typeof stripForStranger>[0]) =>
    stripForStranger(update, bot.isInited() ? bot.botInfo : undefined);
  const intercepts = extra.flatMap((f) => (f.intercept ? [f.intercept] : []));
  const intercept = async (update: Update) => {
    for (const i of intercepts) {
      const replaced = await i(update);
      if (replaced) return replaced;
    }
    return undefined;
  };
  const intake = createIntake({ journal, dispatcher, log: tlog, metadataOnly, strip, intercept });

  let polling: Polling | undefined;
  let server: HttpServer | undefined;
  let leases: LeaseLoops | undefined;
  let lastUpdateAt: number | undefined;
  const accept = async (updates: Parameters<Intake['accept']>[0]) => {
    const r = await intake.accept(updates);
    lastUpdateAt = clock.now();
    return r;
  };
  const health = () =>
    frontEndHealth({ store, clock, mode: config.mode, startedAt, polling, lastUpdateAt, dispatcher });

  return {
    bot,
    control,
    dispatcher,
    intake,
    health,
    async start() {
      const { me, profile } = await initBot(bot, allCommands(), tlog, clock);
      tlog.info({ bot: me.username, mode: config.mode }, 'telegram bot ready');
      const pruned = await journal.prune(config.journalRetentionMs ?? 7 * 24 * 60 * 60 * 1000);
      if (pruned > 0) tlog.debug({ pruned }, 'old journal rows pruned');
      // Register and heartbeat before journaling anything; recovery only takes rows whose owner is gone.
      await journal.register();
      leases = startLeaseLoops({
        journal,
        clock,
        log: tlog,
        heartbeatMs: config.journalHeartbeatMs ?? Math.round(leaseMs / 4),
        recoverMs: config.journalRecoverMs ?? Math.round(leaseMs / 3),
        recover: () => intake.recover(),
      });
      await intake.recover();
      ({ server, polling } = await startInbound({
        mode: config.mode,
        port: config.port,
        ...(config.host ? { host: config.host } : {}),
        ...(config.webhookUrl !== undefined ? { webhookUrl: config.webhookUrl } : {}),
        ...(config.webhookSecret !== undefined ? { webhookSecret: config.webhookSecret } : {}),
        ...(config.pollTimeoutSeconds !== undefined ? { pollTimeoutSeconds: config.pollTimeoutSeconds } : {}),
        bot,
        log: tlog,
        clock,
        health,
        ...(deps.routes ? { routes: deps.routes } : {}),
        accept,
        onFatal: deps.onFatal,
      }));
      await profile;
      return { port: server.port };
    },
    async stop() {
      await polling?.stop();
      await server?.close(); // webhook: Telegram retries what we no longer accept
      await leases?.stopRecovery();
      await dispatcher.stop(config.shutdownGraceMs ?? 10_000);
      // Leases stay alive until running turns have ended, then are handed back so a restart resumes the rest at once.
      await leases?.stopHeartbeat();
      if (leases)
        await journal
          .release()
          .catch((err) => tlog.warn({ err: toError(err) }, 'cannot release journal leases; they expire on their own'));
      leases = undefined;
    },
  };
}
