import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { createNetwork } from '../../src/agents/network.ts';
import type { TurnProcessors } from '../../src/agents/processors.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { guardsConfigSchema } from '../../src/config/guards.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { TurnRequest } from '../../src/core/turn.ts';
import { createGuards } from '../../src/guards/guards.ts';
import { detectInjection } from '../../src/guards/injection-detect.ts';
import type { GenerateRequest, GenerateResult, Llm, StreamChunk } from '../../src/llm/types.ts';
import { type BenchRow, median } from './row.ts';

/**
 * What the processor chain (src/guards, with the repo's config/guards.json) adds to a plain turn: the same delegated
 * Network turn through the turn runner with an instant in-process model, with and without the chain, measured in
 * alternating batches. Also counts the model calls of both (the chain must add none).
 */
const log = pino({ level: 'silent' });
const limits = { maxSteps: 8, turnTokenBudget: 200_000, toolTimeoutMs: 30_000, llmTimeoutMs: 60_000 };
const usage = { inputTokens: 100, outputTokens: 120, totalTokens: 220 };
const ANSWER =
  'Here is a short plan for tomorrow. In the morning, go for a run before breakfast and review your notes for the meeting at ten. After lunch, answer the emails that came in overnight, then call the plumber about the kitchen tap. In the evening, pick up groceries: milk, bread, apples and coffee. Remember to water the plants.';

function instantLlm(script: (req: GenerateRequest) => GenerateResult, calls: { n: number }): Llm {
  return {
    async generate(req) {
      calls.n++;
      return script(req);
    },
    async *stream(req): AsyncGenerator<StreamChunk> {
      calls.n++;
      const result = script(req);
      // A real stream arrives in pieces; the chain's stream filter sees each.
      for (let i = 0; i < result.text.length; i += 60) yield { type: 'text-delta', text: result.text.slice(i, i + 60) };
      yield { type: 'done', result };
    },
    async embed(texts) {
      return texts.map(() => new Float32Array(8));
    },
  };
}

const text = (t: string): GenerateResult => ({
  content: { role: 'model', parts: [{ text: t }] },
  text: t,
  functionCalls: [],
  usage,
});
const delegate = (task: string): GenerateResult => {
  const functionCall = { id: 'c0', name: 'agent_assistant', args: { task } };
  return {
    content: { role: 'model', parts: [{ functionCall, thoughtSignature: 'sig' }] },
    text: '',
    functionCalls: [functionCall],
    usage,
  };
};

const request: TurnRequest = {
  turnId: 'bench',
  userId: 1,
  chat: { chatId: 1, type: 'private' },
  text: 'Could you help me plan tomorrow? I have a meeting at ten and need to buy groceries.',
  attachments: [],
  source: 'telegram',
  timezone: 'Europe/Berlin',
};

function plainRunner(processors: TurnProcessors | undefined, calls: { n: number }) {
  const llm = instantLlm((req) => (req.model === 'router' ? delegate(request.text) : text(ANSWER)), calls);
  const clockTool = defineTool({ name: 'clock', description: 'Time', input: z.object({}), execute: () => '12:00' });
  const page = defineTool({
    name: 'page',
    description: 'Page',
    untrusted: true,
    input: z.object({}),
    execute: () => 'x',
  });
  const network = createNetwork({
    name: 'router',
    router: { model: 'router', instructions: 'Route.', tools: [clockTool] },
    agents: [
      createAgent({
        name: 'assistant',
        description: 'Help',
        model: 'a',
        instructions: 'Help.',
        tools: [clockTool, page],
        llm,
      }),
    ],
    llm,
  });
  return createTurnRunner({ network, clock: systemClock, log, limits, ...(processors ? { processors } : {}) });
}

async function batchMicros(fn: () => Promise<unknown>, batch: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let j = 0; j < batch; j++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / batch;
}

export async function run(): Promise<BenchRow[]> {
  const config = guardsConfigSchema.parse(
    JSON.parse(readFileSync(new URL('../../config/guards.json', import.meta.url), 'utf8')),
  );
  const env = {
    TELEGRAM_BOT_TOKEN: '123456:TEST-token_abcdefghijklmnopqrstuvwxyz01234',
    GEMINI_API_KEY: 'AIzaSyBench-key-0123456789abcdef',
  };
  const userSecrets = {
    get: async () => undefined,
    values: async () => ['ghp_benchStoredSecret0123456789', 'sk-bench-0123456789abcdef'],
  };
  const guards = createGuards({ config, env, userSecrets, log });
  const without = { n: 0 };
  const withChain = { n: 0 };
  const plain = plainRunner(undefined, without);
  const guarded = plainRunner(guards, withChain);

  const batch = 20;
  for (let i = 0; i < 500; i++) {
    await plain.run(request);
    await guarded.run(request);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 500; i++) {
    a.push(await batchMicros(() => plain.run(request), batch));
    b.push(await batchMicros(() => guarded.run(request), batch));
  }
  without.n = 0;
  withChain.n = 0;
  const plainOut = await plain.run(request);
  const guardedOut = await guarded.run(request);
  const addedMs = (median(b) - median(a)) / 1000;
  const detectUs = median(
    Array.from({ length: 200 }, () => {
      const t0 = process.hrtime.bigint();
      detectInjection(ANSWER.repeat(10));
      return Number(process.hrtime.bigint() - t0) / 1000;
    }),
  );
  const note =
    'delegated Network turn via the turn runner, instant in-process Llm, repo config/guards.json; medians of 20-turn batches, alternating';
  return [
    { area: 'guards', name: 'plain turn without the chain', value: median(a), unit: 'µs', note },
    { area: 'guards', name: 'plain turn with the chain', value: median(b), unit: 'µs', note },
    {
      area: 'guards',
      name: 'latency the chain adds to a plain turn (p50)',
      value: addedMs,
      unit: 'ms',
      target: '≤ 1 ms',
      pass: addedMs <= 1 && guardedOut.text === plainOut.text,
      note,
    },
    {
      area: 'guards',
      name: 'extra model calls the chain makes on a plain turn',
      value: withChain.n - without.n,
      unit: 'calls',
      target: '0',
      pass: withChain.n === without.n && without.n === 2,
      note: 'router + assistant = 2 calls either way',
    },
    { area: 'guards', name: 'injection detector on a 3.5 KB text', value: detectUs, unit: 'µs', note: 'median of 200' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run())
    console.log(
      `${row.name}: ${row.value.toFixed(3)} ${row.unit}${row.target ? ` (target ${row.target}, ${row.pass ? 'PASS' : 'FAIL'})` : ''}`,
    );
}
