/** Shared wiring for memory tests: real libSQL temp file, real Gemini adapter against the fake Gemini, manual clock. */
import { pino } from 'pino';
import { createIdGen } from '../../src/core/clock.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import { createMemory, type Memory, type MemoryOptions } from '../../src/memory/memory.ts';
import type { ChatType, TurnOutcome, TurnRequest } from '../../src/core/turn.ts';
import { createStore, type Store } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createFakeGemini, type FakeGemini } from '../support/fake-gemini.ts';
import { createManualClock, type ManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';

export interface Harness {
  memory: Memory;
  store: Store;
  gemini: FakeGemini;
  clock: ManualClock;
  turn(
    userId: number,
    text: string,
    reply: string,
    chat?: Partial<TurnRequest['chat']>,
  ): Promise<{ request: TurnRequest; systemContext: string }>;
  request(userId: number, text: string, chat?: Partial<TurnRequest['chat']>): TurnRequest;
  close(): Promise<void>;
}

let seq = 0;

export async function createHarness(options: Partial<MemoryOptions> = {}): Promise<Harness> {
  const db = tempDbUrl('memory');
  const store = await createStore({ url: db.url, migrations });
  const gemini = await createFakeGemini();
  const clock = createManualClock();
  const log = pino({ level: 'silent' });
  const llm = createGeminiLlm({
    apiKey: gemini.apiKey,
    baseUrl: gemini.baseUrl,
    defaultTimeoutMs: 5000,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    clock,
    log,
  });
  const memory = createMemory({
    store,
    llm,
    clock,
    ids: createIdGen(12),
    log,
    models: { chat: 'gemini-2.5-flash-lite' },
    options: { queryEmbedTimeoutMs: 2000, ...options },
  });

  function request(userId: number, text: string, chat: Partial<TurnRequest['chat']> = {}): TurnRequest {
    const type: ChatType = chat.type ?? 'private';
    return {
      turnId: `t${++seq}`,
      userId,
      userName: `user${userId}`,
      chat: { chatId: chat.chatId ?? userId, type, ...(chat.topicId ? { topicId: chat.topicId } : {}) },
      text,
      attachments: [],
      source: 'telegram',
      timezone: 'UTC',
    };
  }

  return {
    memory,
    store,
    gemini,
    clock,
    request,
    async turn(userId, text, reply, chat) {
      const req = request(userId, text, chat);
      const ctx = await memory.prepare(req);
      const outcome: TurnOutcome = {
        status: 'done',
        text: reply,
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      };
      await memory.commit(req, ctx, outcome);
      await memory.idle();
      return { request: req, systemContext: ctx.systemContext };
    },
    async close() {
      await memory.close();
      await store.close();
      await gemini.close();
      await db.cleanup();
    },
  };
}

export const done = (text: string): TurnOutcome => ({
  status: 'done',
  text,
  usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
});

/** Scripted extractor reply: a JSON array of facts. */
export function factsReply(items: { fact: string; category: string; supersedes?: string }[]): { text: string } {
  return { text: JSON.stringify(items) };
}
