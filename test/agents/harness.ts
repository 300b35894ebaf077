import { pino } from 'pino';
import { createRunContext } from '../../src/agents/context.ts';
import type { ToolContext } from '../../src/agents/tool.ts';
import type { RunContext } from '../../src/agents/types.ts';
import type { TurnEvent, TurnRequest } from '../../src/core/turn.ts';
import { createGeminiLlm } from '../../src/llm/gemini.ts';
import type { Llm } from '../../src/llm/types.ts';
import { type FakeGemini, createFakeGemini } from '../support/fake-gemini.ts';
import { type ManualClock, createManualClock } from '../support/manual-clock.ts';
import { type ScriptedLlm, createScriptedLlm } from '../support/scripted-llm.ts';

export const log = pino({ level: 'silent' });

/** A tool context for calling a tool directly (user 1 in a private chat, a manual clock, no suspension). */
export function toolContext(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    userId: 1,
    chat: { chatId: 1, type: 'private' },
    timezone: 'UTC',
    turnId: 'update:1',
    agent: 'assistant',
    callId: 'c',
    clock: createManualClock(Date.UTC(2026, 6, 1, 12)),
    log,
    signal: new AbortController().signal,
    progress: () => {},
    suspend: () => {
      throw new Error('not here');
    },
    ...overrides,
  };
}

export const LIMITS = { maxSteps: 8, turnTokenBudget: 200_000, toolTimeoutMs: 2000, llmTimeoutMs: 5000 };

export function request(overrides: Partial<TurnRequest> = {}): TurnRequest {
  return {
    turnId: 'update:1',
    userId: 42,
    chat: { chatId: 42, type: 'private' },
    text: 'hello',
    attachments: [],
    source: 'telegram',
    timezone: 'Europe/Berlin',
    ...overrides,
  };
}

export interface Harness {
  gemini: FakeGemini;
  llm: Llm;
  clock: ManualClock;
  events: TurnEvent[];
  ctx(overrides?: { limits?: Partial<typeof LIMITS>; signal?: AbortSignal }): RunContext;
  close(): Promise<void>;
}

/** The real Gemini adapter pointed at a fresh fake Gemini, plus a run-context factory that records events. */
export async function createHarness(): Promise<Harness> {
  const gemini = await createFakeGemini();
  const clock = createManualClock(Date.UTC(2026, 1, 17, 9, 30));
  const llm = createGeminiLlm({
    apiKey: gemini.apiKey,
    baseUrl: gemini.baseUrl,
    defaultTimeoutMs: 5000,
    retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 20 },
    clock,
    log,
  });
  const events: TurnEvent[] = [];
  return {
    gemini,
    llm,
    clock,
    events,
    ctx(overrides = {}) {
      events.length = 0;
      return createRunContext({
        request: request(overrides.signal ? { signal: overrides.signal } : {}),
        clock,
        log,
        limits: { ...LIMITS, ...overrides.limits },
        onEvent: (e) => events.push(e),
      });
    },
    close: () => gemini.close(),
  };
}

export interface ScriptedHarness {
  /** The in-process model: queue replies, read the requests it got. */
  model: ScriptedLlm;
  llm: Llm;
  clock: ManualClock;
  events: TurnEvent[];
  ctx(overrides?: { limits?: Partial<typeof LIMITS>; signal?: AbortSignal }): RunContext;
}

/** The agent loop's harness without HTTP: a scripted Llm, a manual clock and a run-context factory recording events. */
export function createScriptedHarness(): ScriptedHarness {
  const model = createScriptedLlm();
  const clock = createManualClock(Date.UTC(2026, 1, 17, 9, 30));
  const events: TurnEvent[] = [];
  return {
    model,
    llm: model,
    clock,
    events,
    ctx(overrides = {}) {
      events.length = 0;
      return createRunContext({
        request: request(overrides.signal ? { signal: overrides.signal } : {}),
        clock,
        log,
        limits: { ...LIMITS, ...overrides.limits },
        onEvent: (e) => events.push(e),
      });
    },
  };
}

/** Parts of the function-response turn in a recorded request (the last user turn). */
export function functionResponses(
  contents: { role?: string; parts?: unknown[] }[],
): { name: string; response: Record<string, unknown> }[] {
  const last = contents.at(-1);
  return (last?.parts ?? [])
    .map((p) => (p as { functionResponse?: { name: string; response: Record<string, unknown> } }).functionResponse)
    .filter((x): x is { name: string; response: Record<string, unknown> } => x !== undefined);
}
