import { pino } from 'pino';
import { createAgent } from '../../src/agents/agent.ts';
import { createRunContext } from '../../src/agents/context.ts';
import { createNetwork } from '../../src/agents/network.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { createTurnRunner } from '../../src/agents/turn-runner.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { TurnRequest } from '../../src/core/turn.ts';
import type { GenerateRequest, GenerateResult, Llm, StreamChunk } from '../../src/llm/types.ts';
import { z } from 'zod';
import type { BenchRow } from './row.ts';

/**
 * Framework overhead per turn with an instant in-process model: no network, no DB, so what is measured is the
 * agent loop, Network delegation, tool dispatch and event plumbing. Each scripted provider answers from the
 * request shape (which tools it has, what the last turn was) so one provider serves every iteration.
 */
function instantLlm(script: (req: GenerateRequest) => GenerateResult): Llm {
  return {
    async generate(req) {
      return script(req);
    },
    async *stream(req): AsyncGenerator<StreamChunk> {
      const result = script(req);
      if (result.text) yield { type: 'text-delta', text: result.text };
      yield { type: 'done', result };
    },
    async embed(texts) {
      return texts.map(() => new Float32Array(8));
    },
  };
}

const usage = { inputTokens: 100, outputTokens: 20, totalTokens: 120 };
const text = (t: string): GenerateResult => ({
  content: { role: 'model', parts: [{ text: t }] },
  text: t,
  functionCalls: [],
  usage,
});
const calls = (list: { name: string; args: Record<string, unknown> }[]): GenerateResult => ({
  content: {
    role: 'model',
    parts: list.map((fc, i) => ({
      functionCall: { id: `c${i}`, ...fc },
      ...(i === 0 ? { thoughtSignature: 'sig' } : {}),
    })),
  },
  text: '',
  functionCalls: list.map((fc, i) => ({ id: `c${i}`, ...fc })),
  usage,
});
const lastIsToolResult = (req: GenerateRequest) =>
  req.contents.at(-1)?.parts.some((p) => 'functionResponse' in p) ?? false;

const log = pino({ level: 'silent' });
const limits = { maxSteps: 8, turnTokenBudget: 200_000, toolTimeoutMs: 30_000, llmTimeoutMs: 60_000 };
const request: TurnRequest = {
  turnId: 'bench',
  userId: 1,
  chat: { chatId: 1, type: 'private' },
  text: 'What time is it in Tokyo, Berlin and New York?',
  attachments: [],
  source: 'telegram',
  timezone: 'Europe/Berlin',
};

async function medianMicros(iterations: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(500, iterations); i++) await fn(); // warm-up (JIT)
  const samples: number[] = [];
  const batch = 20;
  for (let i = 0; i < iterations; i += batch) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < batch; j++) await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

export async function run(): Promise<BenchRow[]> {
  const clockTool = defineTool({
    name: 'clock',
    description: 'Time in a zone',
    input: z.object({ zone: z.string() }),
    execute: ({ zone }) => ({ zone, time: '12:00' }),
  });

  const single = createAgent({
    name: 'assistant',
    description: 'General help',
    model: 'm',
    instructions: 'You are helpful.',
    tools: [clockTool],
    llm: instantLlm(() => text('Hello! How can I help?')),
  });

  const threeTools = createAgent({
    name: 'assistant',
    description: 'General help',
    model: 'm',
    instructions: 'You are helpful.',
    tools: [clockTool],
    llm: instantLlm((req) =>
      lastIsToolResult(req)
        ? text('Tokyo 12:00, Berlin 12:00, New York 12:00.')
        : calls(['Asia/Tokyo', 'Europe/Berlin', 'America/New_York'].map((zone) => ({ name: 'clock', args: { zone } }))),
    ),
  });

  const networkLlm = instantLlm((req) =>
    req.model === 'router'
      ? calls([{ name: 'agent_assistant', args: { task: 'Say hello' } }])
      : text('Hello from the assistant.'),
  );
  const network = createNetwork({
    name: 'router',
    router: { model: 'router', instructions: 'Route.', tools: [clockTool] },
    agents: [
      createAgent({
        name: 'assistant',
        description: 'General help',
        model: 'a',
        instructions: 'Help.',
        tools: [clockTool],
        llm: networkLlm,
      }),
      createAgent({ name: 'planner', description: 'Reminders', model: 'p', instructions: 'Plan.', llm: networkLlm }),
      createAgent({
        name: 'researcher',
        description: 'Web search',
        model: 'r',
        instructions: 'Search.',
        builtinTools: ['google_search'],
        llm: networkLlm,
      }),
    ],
    llm: networkLlm,
  });
  const runner = createTurnRunner({ network, clock: systemClock, log, limits });

  const ctx = () => createRunContext({ request, clock: systemClock, log, limits, onEvent: () => {} });
  const input = { history: [], text: request.text };
  const n = 20_000;

  const singleUs = await medianMicros(n, () => single.run(input, ctx()));
  const delegatedUs = await medianMicros(n, () => network.run(input, ctx()));
  const runnerUs = await medianMicros(n, () => runner.run(request, () => {}));
  const toolsUs = await medianMicros(n, () => threeTools.run(input, ctx()));

  const check = await runner.run(request);
  const note = 'instant in-process Llm; median of 20-turn batches';
  return [
    { area: 'agents', name: 'single agent turn (1 model step)', value: singleUs, unit: 'µs', note },
    {
      area: 'agents',
      name: 'delegated Network turn (router → agent, 2 model steps)',
      value: delegatedUs,
      unit: 'µs',
      target: '≤ 200 µs',
      pass: delegatedUs <= 200 && check.text === 'Hello from the assistant.',
      note,
    },
    { area: 'agents', name: 'delegated turn through the turn runner (no memory)', value: runnerUs, unit: 'µs', note },
    { area: 'agents', name: 'turn with 3 parallel tool calls (2 model steps)', value: toolsUs, unit: 'µs', note },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run())
    console.log(
      `${row.name}: ${row.value.toFixed(1)} ${row.unit}${row.target ? ` (target ${row.target}, ${row.pass ? 'PASS' : 'FAIL'})` : ''}`,
    );
}
