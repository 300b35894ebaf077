/**
 * Real parts for scheduler tests: a temp libSQL file, the real Telegram outbox (grammY Api) against the fake Bot API,
 * the real turn runner + Network against the fake Gemini, and a manual clock driving the scheduler.
 */
import { createToolRegistry } from '../../src/agents/registry.ts';
import { createNetworkFromRoster } from '../../src/agents/roster.ts';
import type { Tool, ToolGate } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { rosterSchema } from '../../src/config/roster.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ResumableTurnRunner } from '../../src/core/turn.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import {
  type Scheduler,
  type SchedulerDeps,
  type SchedulerOptions,
  createScheduler,
} from '../../src/scheduler/scheduler.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createTelegramApi } from '../../src/telegram/front-end.ts';
import { type TelegramOutbox, createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { type RateLimiter, createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../support/fake-telegram.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

export const USER = 4242;
export const CHAT = 4242;

export interface Harness {
  tg: FakeTelegram;
  gemini: FakeGemini;
  db: TempDb;
  clock: ManualClock;
  stores: Store[];
  outbox: TelegramOutbox;
  turnRunner: ResumableTurnRunner;
  timezone: { value: string };
  /**
   * A new scheduler instance with its own instance id. `store` picks its connection: an existing Store (several
   * instances in one process share it: libSQL's busy wait blocks the event loop, so two clients in one process
   * cannot wait for each other) or, by default, a fresh connection to the same file (a restart).
   */
  newScheduler(
    options?: SchedulerOptions,
    extra?: Partial<SchedulerDeps>,
    store?: Store,
  ): Promise<{ scheduler: Scheduler; store: Store }>;
  close(): Promise<void>;
}

/** The real turn runner and Network (router + one agent with `tools`) talking to the fake Gemini. */
export function buildTurnRunner(gemini: FakeGemini, tools: Tool[] = [], gate?: ToolGate): ResumableTurnRunner {
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const llm = createGeminiLlm({
    apiKey: gemini.apiKey,
    baseUrl: gemini.baseUrl,
    defaultTimeoutMs: 5000,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    clock: systemClock,
    log,
  });
  const registry = createToolRegistry();
  registry.register(...tools);
  const roster = rosterSchema.parse({
    router: { prompt: 'router.md', tools: tools.map((t) => t.name) },
    agents: [
      {
        name: 'assistant',
        description: 'General help, briefings and answers for the user.',
        prompt: 'assistant.md',
        tools: tools.map((t) => t.name),
      },
    ],
  });
  const network = createNetworkFromRoster({
    roster,
    prompts: { 'router.md': 'You route requests.', 'assistant.md': 'You are a helpful assistant.' },
    models: { default: 'gemini-test', router: 'gemini-test-router' },
    llm,
    registry,
    ...(gate ? { gate } : {}),
  });
  return createTurnRunner({ network, clock: systemClock, log, limits: roster.limits });
}

export async function createHarness(
  start = Date.parse('2026-01-15T12:00:00Z'),
  tools: Tool[] = [],
  gate?: ToolGate,
): Promise<Harness> {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('scheduler');
  const clock = createManualClock(start);
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const stores: Store[] = [];
  const schedulers: Scheduler[] = [];
  const limiters: RateLimiter[] = [];
  const mainStore = await createStore({ url: db.url, migrations });
  stores.push(mainStore);

  const makeOutbox = (store: Store) => {
    const limiter = createRateLimiter({
      clock: systemClock,
      privatePerSec: 1000,
      groupPerMin: 10_000,
      globalPerSec: 1000,
    });
    limiters.push(limiter);
    return createTelegramOutbox({
      api: createTelegramApi(tg.token, tg.apiRoot),
      store,
      clock: systemClock,
      log,
      limiter,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
    });
  };
  const outbox = makeOutbox(mainStore);

  const turnRunner = buildTurnRunner(gemini, tools, gate);
  const timezone = { value: 'Europe/Berlin' };
  let seq = 0;

  return {
    tg,
    gemini,
    db,
    clock,
    stores,
    outbox,
    turnRunner,
    timezone,
    async newScheduler(options, extra, shared) {
      const store =
        shared ??
        (stores.length === 1 && schedulers.length === 0 ? mainStore : await createStore({ url: db.url, migrations }));
      if (!stores.includes(store)) stores.push(store);
      const scheduler = createScheduler({
        store,
        clock,
        log,
        outbox: store === mainStore ? outbox : makeOutbox(store),
        turnRunner,
        timezoneOf: async () => timezone.value,
        newId: () => `j${(++seq).toString().padStart(4, '0')}${Math.random().toString(36).slice(2, 6)}`,
        options: { retryDelaysMs: [1000, 2000], ...options },
        ...extra,
      });
      schedulers.push(scheduler);
      return { scheduler, store };
    },
    async close() {
      for (const s of schedulers) await s.stop();
      for (const l of limiters) l.close();
      for (const s of stores) await s.close();
      await tg.close();
      await gemini.close();
      await db.cleanup();
    },
  };
}
