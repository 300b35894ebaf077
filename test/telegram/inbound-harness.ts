/**
 * In-process wiring of the real inbound front end (bot, journal, dispatcher, polling, health server) against the
 * fake Bot API and a temp libSQL file. Nothing of ours is mocked; tests choose which optional parts to plug in.
 */
import { type Clock, systemClock } from '../../src/core/clock.ts';
import type { FakeGemini } from '../support/fake-gemini.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ConversationMemory } from '../../src/core/memory.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import {
  type FeatureModule,
  type FrontEnd,
  type FrontEndConfig,
  createFrontEnd,
  createTelegramApi,
} from '../../src/telegram/front-end.ts';
import type { Journal } from '../../src/telegram/intake/journal.ts';
import type { TurnControl } from '../../src/telegram/intake/turn-control.ts';
import { type TelegramOutbox, createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { type Users, createUsers } from '../../src/users/users.ts';
import { type FakeTelegram, type FakeTelegramOptions, createFakeTelegram } from '../support/fake-telegram.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { startWholeApp } from '../support/whole-app.ts';

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

/** Marker for `startInbound`: run the whole application (src/app.ts) against the fakes, as main.ts wires it. */
export interface AppChat {
  app: true;
  gemini: FakeGemini;
  maxFileBytes?: number;
}

/** The real brain for in-process tests: the complete app (Gemini adapter on the fake, every tool, memory, streaming reply). */
export function realChat(gemini: FakeGemini, options: { maxFileBytes?: number } = {}): AppChat {
  return { app: true, gemini, ...options };
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
  /** Builds the chat feature once the front end's control and the shared parts exist, or runs the whole app. */
  chat?: ((parts: ChatParts) => FeatureModule) | AppChat;
  /** The clock of the users service only (access requests expire by it); default the system clock. */
  usersClock?: Clock;
  /** Reuse an existing database (restart scenarios). */
  db?: TempDb;
  tg?: FakeTelegram;
}

export async function startInbound(options: InboundOptions = {}): Promise<Inbound> {
  if (options.chat && 'app' in options.chat) return startAppInbound(options, options.chat);
  const tg = options.tg ?? (await createFakeTelegram(options.fakeTelegram));
  const db = options.db ?? tempDbUrl('inbound');
  const store = await createStore({ url: db.url, migrations });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const clock = systemClock;
  const api = createTelegramApi(tg.token, tg.apiRoot);
  const limiter = createRateLimiter({
    clock,
    privatePerSec: 100,
    groupPerMin: 1000,
    globalPerSec: 1000,
    lightIntervalMs: 1,
  });
  const outbox = createTelegramOutbox({ api, store, clock, log, limiter, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
  const users = createUsers({
    store,
    clock: options.usersClock ?? clock,
    defaultTimezone: 'UTC',
    allowedUserIds: options.allowedUserIds ?? [],
  });
  const fatal: Error[] = [];
  const chatFactory = options.chat as ((parts: ChatParts) => FeatureModule) | undefined;
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
    ...(chatFactory
      ? {
          chat: (p: { control: TurnControl; journal: Journal }) =>
            chatFactory({ ...p, outbox, users, store, tg, onClose: (fn) => closers.push(fn) }),
        }
      : {}),
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

async function startAppInbound(options: InboundOptions, chat: AppChat): Promise<Inbound> {
  const tg = options.tg ?? (await createFakeTelegram(options.fakeTelegram));
  const whole = await startWholeApp({
    tg,
    gemini: chat.gemini,
    allowedUserIds: options.allowedUserIds ?? [],
    ...(options.db ? { db: options.db } : {}),
    ...(options.config ? { frontEnd: options.config } : {}),
    ...(chat.maxFileBytes ? { maxFileBytes: chat.maxFileBytes } : {}),
  });
  return {
    tg,
    db: whole.db,
    store: whole.store,
    users: whole.app.users,
    outbox: whole.app.outbox,
    fe: whole.app.frontEnd,
    port: whole.port,
    fatal: whole.fatal,
    async close() {
      await whole.close();
      if (!options.tg) await tg.close();
    },
  };
}
