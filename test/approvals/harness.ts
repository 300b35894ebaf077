/**
 * Real parts for approvals tests: a temp libSQL file, the real Telegram outbox (grammY Api) against the fake Bot API,
 * a real grammY Bot with the approvals feature (button presses from the fake are fed through `bot.handleUpdate`),
 * the real turn runner + Network against the fake Gemini, and a manual clock driving approvals.
 * `newInstance()` builds another "process" (own Store connection, outbox, runner, service, bot) on the same DB file.
 */
import { readFileSync } from 'node:fs';
import { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import { createAskUserTool } from '../../src/approvals/ask-user.ts';
import { createApprovalGate } from '../../src/approvals/gate.ts';
import { type ApprovalPolicy, createApprovalPolicy } from '../../src/approvals/policy.ts';
import { type ApprovalsConfig, approvalsConfigSchema } from '../../src/approvals/policy-schema.ts';
import { type Approvals, type ApprovalsDeps, createApprovals } from '../../src/approvals/service.ts';
import { createToolRegistry } from '../../src/agents/registry.ts';
import { createNetworkFromRoster } from '../../src/agents/roster.ts';
import { type Tool, defineTool } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { rosterSchema } from '../../src/config/roster.ts';
import { createIdGen, systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ResumableTurnRunner, TurnOutcome, TurnRequest } from '../../src/core/turn.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import type { BotContext } from '../../src/telegram/context.ts';
import { createGrantStore } from '../../src/approvals/grants.ts';
import { createApprovalsFeature } from '../../src/telegram/features/approvals.ts';
import { createPermissionsFeature } from '../../src/telegram/features/permissions.ts';
import { createTelegramApi } from '../../src/telegram/front-end.ts';
import { type TelegramOutbox, createTelegramOutbox } from '../../src/telegram/outbox.ts';
import { type RateLimiter, createRateLimiter } from '../../src/telegram/rate-limiter.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';

export const USER = 4242;
export const OWNER = 7;
export const STRANGER = 9999;
export const GROUP = -100555;
const NAMES: Record<number, string> = { [USER]: 'Ann', [OWNER]: 'Olga', [STRANGER]: 'Mallory' };

export const ROUTER_PROMPT = 'You are the ROUTER. Route requests.';
export const PLANNER_PROMPT = 'You are the PLANNER. Manage notes.';

export const shippedPolicy: ApprovalsConfig = approvalsConfigSchema.parse(
  JSON.parse(readFileSync('config/approvals.json', 'utf8')),
);

/** One "process": its own Store connection, outbox, runner, approvals service and grammY bot. */
export interface Instance {
  store: Store;
  outbox: TelegramOutbox;
  runner: ResumableTurnRunner;
  approvals: Approvals;
  policy: ApprovalPolicy;
  bot: Bot<BotContext>;
  /** Runs a turn like the chat feature does: run, and hand a suspended outcome to approvals. */
  turn(request: TurnRequest): Promise<TurnOutcome>;
  /** Presses a button in the fake and feeds the update to this instance's bot. */
  press(chatId: number, messageId: number, data: string, userId?: number, firstName?: string): Promise<void>;
  /** Sends a user message and feeds it to this instance's bot (for commands). */
  say(chatId: number, text: string, userId?: number): Promise<void>;
  close(): Promise<void>;
}

export interface World {
  tg: FakeTelegram;
  gemini: FakeGemini;
  db: TempDb;
  clock: ManualClock;
  newInstance(options?: {
    policy?: ApprovalsConfig;
    deps?: Partial<ApprovalsDeps>;
    /** More tools for the planner (e.g. a new risky tool that describes itself). */
    tools?: Tool[];
  }): Promise<Instance>;
  /** A row in the side-effect table, or undefined after note_delete ran. */
  note(id: string): Promise<string | undefined>;
  fetched(): Promise<string[]>;
  request(overrides?: Partial<TurnRequest>): TurnRequest;
  /** The bot's prompt messages in a chat that carry buttons of this prefix. */
  prompts(chatId: number, prefix?: 'ap:' | 'q:'): TranscriptEntry[];
  close(): Promise<void>;
}

/** Inline-keyboard callback data of a transcript entry, flattened. */
export function buttonData(m: TranscriptEntry | undefined): string[] {
  const markup = m?.replyMarkup as { inline_keyboard?: { callback_data?: string }[][] } | undefined;
  return (markup?.inline_keyboard ?? []).flat().flatMap((b) => (b.callback_data ? [b.callback_data] : []));
}

export async function createWorld(start = Date.parse('2026-01-15T12:00:00Z')): Promise<World> {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  const db = tempDbUrl('approvals');
  const clock = createManualClock(start);
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const instances: Instance[] = [];
  let turnSeq = 0;

  // The side-effect tables the test tools write to.
  const setup = await createStore({ url: db.url, migrations });
  await setup.run('CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT NOT NULL)');
  await setup.run("INSERT INTO notes (id, text) VALUES ('n1', 'buy milk'), ('n2', 'call mom')");
  await setup.run('CREATE TABLE fetched (url TEXT NOT NULL)');
  await setup.run(
    "INSERT INTO users (id, first_name, access, created_at, updated_at) VALUES (?, 'Olga', 'owner', 0, 0)",
    [OWNER],
  );
  await setup.close();

  function tools(store: Store): Tool[] {
    const noteDelete = defineTool({
      name: 'note_delete',
      description: 'Deletes a note by id.',
      input: z.object({ id: z.string() }),
      async execute(args) {
        const r = await store.run('DELETE FROM notes WHERE id = ?', [args.id]);
        return r.changes === 1 ? { deleted: args.id } : { error: `no note ${args.id}` };
      },
    });
    // Stands in for http_fetch (same name, so the shipped policy applies) without touching the network.
    const httpFetch = defineTool({
      name: 'http_fetch',
      description: 'Fetches a web page.',
      input: z.object({ url: z.string() }),
      async execute(args) {
        await store.run('INSERT INTO fetched (url) VALUES (?)', [args.url]);
        return { text: `contents of ${args.url}` };
      },
    });
    return [noteDelete, httpFetch, createAskUserTool()];
  }

  const world: World = {
    tg,
    gemini,
    db,
    clock,
    async newInstance(options = {}) {
      const store = await createStore({ url: db.url, migrations });
      const limiter: RateLimiter = createRateLimiter({
        clock: systemClock,
        privatePerSec: 1000,
        groupPerMin: 10_000,
        globalPerSec: 1000,
      });
      const outbox = createTelegramOutbox({
        api: createTelegramApi(tg.token, tg.apiRoot),
        store,
        clock: systemClock,
        log,
        limiter,
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
      });
      const llm = createGeminiLlm({
        apiKey: gemini.apiKey,
        baseUrl: gemini.baseUrl,
        defaultTimeoutMs: 5000,
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        clock: systemClock,
        log,
      });
      const policy = createApprovalPolicy(options.policy ?? shippedPolicy);
      const registry = createToolRegistry();
      const list = [...tools(store), ...(options.tools ?? [])];
      registry.register(...list);
      const roster = rosterSchema.parse({
        router: { prompt: 'router.md', tools: [] },
        agents: [
          {
            name: 'planner',
            description: 'Notes: delete notes, fetch pages, ask the user.',
            prompt: 'planner.md',
            tools: list.map((t) => t.name),
          },
        ],
      });
      const network = createNetworkFromRoster({
        roster,
        prompts: { 'router.md': ROUTER_PROMPT, 'planner.md': PLANNER_PROMPT },
        models: { default: 'gemini-test', router: 'gemini-test-router' },
        llm,
        registry,
        gate: createApprovalGate({ policy, store, log, toolNamed: (name) => registry.get(name) }),
      });
      const runner = createTurnRunner({ network, clock: systemClock, log, limits: roster.limits });
      const approvals = createApprovals({
        store,
        outbox,
        turnRunner: runner,
        policy,
        clock,
        idGen: createIdGen(12),
        log,
        ...options.deps,
      });
      const bot = new Bot<BotContext>(tg.token, { client: { apiRoot: tg.apiRoot }, botInfo: tg.botUser });
      bot.use(async (ctx, next) => {
        ctx.log = log.child({ update_id: ctx.update.update_id });
        await next();
      });
      bot.use(createApprovalsFeature({ approvals, outbox }));
      bot.use(createPermissionsFeature({ grants: createGrantStore(store), outbox }));
      await bot.init();

      const feed = (update: Update) => bot.handleUpdate(update);
      const instance: Instance = {
        store,
        outbox,
        runner,
        approvals,
        policy,
        bot,
        async turn(request) {
          const outcome = await runner.run(request);
          if (outcome.status === 'suspended' && outcome.suspension)
            await approvals.onSuspended(request, outcome.suspension);
          return outcome;
        },
        async press(chatId, messageId, data, userId = USER, firstName) {
          const name = firstName ?? NAMES[userId];
          await feed(tg.pressButton({ chatId, messageId, data, userId, ...(name ? { firstName: name } : {}) }));
        },
        async say(chatId, text, userId = USER) {
          await feed(
            tg.sendUserMessage({ chatId, userId, text, ...(chatId < 0 ? { chatType: 'supergroup' as const } : {}) }),
          );
        },
        async close() {
          await approvals.stop();
          limiter.close();
          await store.close();
        },
      };
      instances.push(instance);
      return instance;
    },
    async note(id) {
      const s = await createStore({ url: db.url, migrations });
      try {
        const row = await s.get('SELECT text FROM notes WHERE id = ?', [id]);
        return row ? String(row.text) : undefined;
      } finally {
        await s.close();
      }
    },
    async fetched() {
      const s = await createStore({ url: db.url, migrations });
      try {
        return (await s.query('SELECT url FROM fetched')).map((r) => String(r.url));
      } finally {
        await s.close();
      }
    },
    request(overrides = {}) {
      turnSeq += 1;
      return {
        turnId: `update:${turnSeq}`,
        userId: USER,
        userName: 'Ann',
        chat: { chatId: USER, type: 'private' },
        text: 'please delete note n1',
        attachments: [],
        source: 'telegram',
        timezone: 'Europe/Berlin',
        // These tests exercise the formal approval (timeout, fallback, Approve/Deny): a turn that carries someone
        // else's words gets it even though the user started it. `untrustedInput: false` gives the plain confirmation.
        untrustedInput: true,
        ...overrides,
      };
    },
    prompts(chatId, prefix = 'ap:') {
      return tg.botMessages(chatId).filter((m) => buttonData(m).some((d) => d.startsWith(prefix)));
    },
    async close() {
      for (const i of instances) await i.close().catch(() => undefined);
      await tg.close();
      await gemini.close();
      await db.cleanup();
    },
  };
  return world;
}

/** Scripts the fake Gemini: router delegates to the planner, the planner calls `tool(args)`, then answers `finalText`. */
export function scriptToolCall(
  gemini: FakeGemini,
  tool: string,
  args: Record<string, unknown>,
  finalText: string,
): void {
  gemini.enqueueFor(
    { systemIncludes: 'ROUTER' },
    { functionCalls: [{ name: 'agent_planner', args: { task: `use ${tool}` } }] },
  );
  gemini.enqueueFor({ systemIncludes: 'PLANNER' }, { functionCalls: [{ name: tool, args }] }, { text: finalText });
}
