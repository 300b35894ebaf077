/**
 * In-process wiring of the real inbound front end (bot, journal, dispatcher, polling, health server) against the
 * fake Bot API and a temp libSQL file. Nothing of ours is mocked; tests choose which optional parts to plug in.
 */
import { resolve } from 'node:path';
import { createToolRegistry } from '../../src/agents/registry.ts';
import { createNetworkFromRoster } from '../../src/agents/roster.ts';
import { createBuiltinTools } from '../../src/agents/tools/index.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createIdGen, systemClock } from '../../src/core/clock.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { createMemory } from '../../src/memory/memory.ts';
import { chatCommands, createChatFeature } from '../../src/telegram/features/chat.ts';
import { createMediaReader } from '../../src/telegram/features/media.ts';
import { createPlainReply } from '../../src/telegram/features/plain-reply.ts';
import { repoRoot } from '../support/child-bot.ts';
import type { FakeGemini } from '../support/fake-gemini.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ConversationMemory } from '../../src/core/memory.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type FeatureModule, type FrontEnd, type FrontEndConfig, createFrontEnd, createTelegramApi } from '../../src/telegram/front-end.ts';
import type { Journal } from '../../src/telegram/intake/journal.ts';
import type { TurnControl } from '../../src/telegram/intake/turn-control.ts';
import { type TelegramOutbox, createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { type Users, createUsers } from '../../src/users/users.ts';
import { type FakeTelegram, type FakeTelegramOptions, createFakeTelegram } from '../support/fake-telegram.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

export interface Inbound {
  tg: FakeTelegram;
  db: TempDb;
  store: Store;
  users: Users;
  outbox: TelegramOutbox;
  fe: FrontEnd;
  port: number;
  fatal: Error[];
  close(): Promise<void>;
}

/**
 * The real brain for in-process tests: Gemini adapter (against the fake), built-in tools, memory, roster Network,
 * turn runner, media reader and the chat feature with the non-streaming reply.
 */
export function realChat(gemini: FakeGemini, options: { maxFileBytes?: number } = {}) {
  return (parts: ChatParts): FeatureModule => {
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: parts.tg.token,
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: gemini.baseUrl,
      CONFIG_DIR: resolve(repoRoot, 'config'),
    });
    const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const llm = createGeminiLlm({
      apiKey: gemini.apiKey,
      baseUrl: gemini.baseUrl,
      defaultTimeoutMs: 10_000,
      retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
      clock: systemClock,
      log,
    });
    const registry = createToolRegistry();
    registry.register(...createBuiltinTools());
    const memory = createMemory({ store: parts.store, llm, clock: systemClock, ids: createIdGen(), log, models: { chat: 'gemini-2.5-flash-lite' } });
    parts.onClose(() => memory.close());
    const network = createNetworkFromRoster({
      roster: config.roster,
      prompts: config.prompts,
      models: { default: config.env.GEMINI_MODEL, router: config.env.GEMINI_ROUTER_MODEL },
      llm,
      registry,
    });
    const turnRunner = createTurnRunner({ network, memory, clock: systemClock, log, limits: config.roster.limits });
    const api = createTelegramApi(parts.tg.token, parts.tg.apiRoot);
    const media = createMediaReader({ api, token: parts.tg.token, apiRoot: parts.tg.apiRoot, ...(options.maxFileBytes ? { maxBytes: options.maxFileBytes } : {}) });
    return {
      composer: createChatFeature({
        turnRunner,
        users: parts.users,
        outbox: parts.outbox,
        media,
        control: parts.control,
        createReply: (p) => createPlainReply(parts.outbox, log, p),
        journalEntry: (id) => parts.journal.get(id),
      }),
      commands: chatCommands,
    };
  };
}

export interface ChatParts {
  control: TurnControl;
  journal: Journal;
  outbox: TelegramOutbox;
  users: Users;
  store: Store;
  tg: FakeTelegram;
  onClose(fn: () => Promise<void>): void;
}

export interface InboundOptions {
  allowedUserIds?: number[];
  config?: Partial<FrontEndConfig>;
  fakeTelegram?: FakeTelegramOptions;
  /** Builds the memory /new uses, on the harness's store. */
  memory?: (store: Store) => Pick<ConversationMemory, 'newThread'>;
  features?: FeatureModule[];
  /** Builds the chat feature once the front end's control and the shared parts exist. */
  chat?: (parts: ChatParts) => FeatureModule;
  /** Reuse an existing database (restart scenarios). */
  db?: TempDb;
  tg?: FakeTelegram;
}

export async function startInbound(options: InboundOptions = {}): Promise<Inbound> {
  const tg = options.tg ?? (await createFakeTelegram(options.fakeTelegram));
  const db = options.db ?? tempDbUrl('inbound');
  const store = await createStore({ url: db.url, migrations });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const clock = systemClock;
  const api = createTelegramApi(tg.token, tg.apiRoot);
  const limiter = createRateLimiter({ clock, privatePerSec: 100, groupPerMin: 1000, globalPerSec: 1000, lightIntervalMs: 1 });
  const outbox = createTelegramOutbox({ api, store, clock, log, limiter, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
  const users = createUsers({ store, clock, defaultTimezone: 'UTC', allowedUserIds: options.allowedUserIds ?? [] });
  const fatal: Error[] = [];
  const chatFactory = options.chat;
  const closers: (() => Promise<void>)[] = [];
  const fe = createFrontEnd({
    config: {
      token: tg.token,
      apiRoot: tg.apiRoot,
      mode: 'polling',
      port: 0,
      host: '127.0.0.1',
      pollTimeoutSeconds: 1,
      shutdownGraceMs: 2000,
      ...options.config,
    },
    store,
    log,
    clock,
    users,
    outbox,
    ...(options.memory ? { memory: options.memory(store) } : {}),
    ...(options.features ? { features: options.features } : {}),
    ...(chatFactory ? { chat: (p: { control: TurnControl; journal: Journal }) => chatFactory({ ...p, outbox, users, store, tg, onClose: (fn) => closers.push(fn) }) } : {}),
    onFatal: (e) => fatal.push(e),
  });
  const { port } = await fe.start();
  return {
    tg,
    db,
    store,
    users,
    outbox,
    fe,
    port,
    fatal,
    async close() {
      await fe.stop();
      for (const c of closers) await c();
      limiter.close();
      await store.close();
      if (!options.tg) await tg.close();
      if (!options.db) await db.cleanup();
    },
  };
}
