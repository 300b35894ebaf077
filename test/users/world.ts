/**
 * Real parts for access-revocation tests: the real inbound front end (access gate, grammY, journal) on the fake Bot
 * API, the real approvals service (with its buttons feature) and scheduler driven by a manual clock, and the real
 * turn runner + Network against the fake Gemini, with an `http_fetch` stand-in that needs approval (shipped policy)
 * and `ask_user`. Every part shares one temp libSQL file.
 */
import { readFileSync } from 'node:fs';
import { Composer } from 'grammy';
import { z } from 'zod';
import { createAskUserTool } from '../../src/approvals/ask-user.ts';
import { createApprovalGate } from '../../src/approvals/gate.ts';
import { createApprovalPolicy } from '../../src/approvals/policy.ts';
import { approvalsConfigSchema } from '../../src/approvals/policy-schema.ts';
import { type Approvals, createApprovals } from '../../src/approvals/service.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { createIdGen } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { ChatType, ResumableTurnRunner, TurnRequest } from '../../src/core/turn.ts';
import { type Scheduler, createScheduler } from '../../src/scheduler/scheduler.ts';
import type { BotContext } from '../../src/telegram/context.ts';
import { createApprovalsFeature } from '../../src/telegram/features/approvals.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import type { TranscriptEntry } from '../support/fake-telegram.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { buildTurnRunner } from '../scheduler/harness.ts';
import { type Inbound, startInbound } from '../telegram/inbound-harness.ts';

export const OWNER = 111;
export const USER = 222;
export const GROUP = -100_333;

const ROUTER = 'You route requests.';
const AGENT = 'You are a helpful assistant.';

export interface World {
  h: Inbound;
  gemini: FakeGemini;
  clock: ManualClock;
  approvals: Approvals;
  scheduler: Scheduler;
  runner: ResumableTurnRunner;
  log: ReturnType<typeof createLogger>;
  /** Runs a turn for USER that suspends on `http_fetch` (approval) or `ask_user` (question) and persists it. */
  suspendedTurn(kind: 'approval' | 'question', chat?: { chatId: number; type: ChatType }): Promise<void>;
  /** URLs the http_fetch stand-in fetched (a tool that ran). */
  fetched(): Promise<string[]>;
  /** sendMessage calls to a chat so far. */
  sentTo(chatId: number): number;
  close(): Promise<void>;
}

export function buttonData(m: TranscriptEntry | undefined): string[] {
  const markup = m?.replyMarkup as { inline_keyboard?: { callback_data?: string }[][] } | undefined;
  return (markup?.inline_keyboard ?? []).flat().flatMap((b) => (b.callback_data ? [b.callback_data] : []));
}

export async function createWorld(): Promise<World> {
  const gemini = await createFakeGemini();
  const clock = createManualClock(Date.now());
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let inner: Composer<BotContext> | undefined;
  const lazy = new Composer<BotContext>();
  lazy.use((ctx, next) => (inner ? inner.middleware()(ctx, next) : next()));
  const h = await startInbound({ features: [{ composer: lazy }] });
  await h.store.run('CREATE TABLE fetched (url TEXT NOT NULL)');

  const policy = createApprovalPolicy(
    approvalsConfigSchema.parse(JSON.parse(readFileSync('config/approvals.json', 'utf8'))),
  );
  const httpFetch = defineTool({
    name: 'http_fetch',
    description: 'Fetches a web page.',
    input: z.object({ url: z.string() }),
    async execute(args) {
      await h.store.run('INSERT INTO fetched (url) VALUES (?)', [args.url]);
      return { text: `contents of ${args.url}` };
    },
  });
  const runner = buildTurnRunner(
    gemini,
    [httpFetch, createAskUserTool()],
    createApprovalGate({ policy, store: h.store, log }),
  );
  const isServed = (userId: number) => h.users.isServed(userId);
  const approvals = createApprovals({
    store: h.store,
    outbox: h.outbox,
    turnRunner: runner,
    policy,
    clock,
    idGen: createIdGen(12),
    log,
    isServed,
  });
  inner = createApprovalsFeature({ approvals, outbox: h.outbox });
  const scheduler = createScheduler({
    store: h.store,
    clock,
    log,
    outbox: h.outbox,
    turnRunner: runner,
    timezoneOf: async () => 'UTC',
    newId: createIdGen(10),
    approvals,
    isServed,
  });
  let turns = 0;

  return {
    h,
    gemini,
    clock,
    approvals,
    scheduler,
    runner,
    log,
    async suspendedTurn(kind, chat = { chatId: USER, type: 'private' }) {
      gemini.enqueueFor(
        { systemIncludes: ROUTER },
        { functionCalls: [{ name: 'agent_assistant', args: { task: 'do it' } }] },
      );
      gemini.enqueueFor(
        { systemIncludes: AGENT },
        kind === 'approval'
          ? { functionCalls: [{ name: 'http_fetch', args: { url: 'https://example.com/private?q=1' } }] }
          : { functionCalls: [{ name: 'ask_user', args: { question: 'Which city?', options: ['Berlin', 'Paris'] } }] },
      );
      turns += 1;
      const request: TurnRequest = {
        turnId: `update:${9000 + turns}`,
        userId: USER,
        userName: 'Nick',
        chat,
        text: kind === 'approval' ? 'fetch that page' : 'book a trip',
        attachments: [],
        source: 'telegram',
        timezone: 'UTC',
      };
      const outcome = await runner.run(request);
      if (outcome.status !== 'suspended' || !outcome.suspension)
        throw new Error(`expected a suspended turn, got ${outcome.status}`);
      await approvals.onSuspended(request, outcome.suspension);
    },
    async fetched() {
      return (await h.store.query('SELECT url FROM fetched')).map((r) => String(r.url));
    },
    sentTo(chatId) {
      return h.tg.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === chatId).length;
    },
    async close() {
      await scheduler.stop();
      await approvals.stop();
      await h.close();
      await gemini.close();
    },
  };
}
