/**
 * Workflows (issue 17, part 2).
 * (a) A run's overhead beyond its model and tool calls: the runner on a real database file with a model and a tool
 *     of known latency (3 items × (tool 20 ms + model 30 ms) + the post); overhead = wall time − 150 ms, p50 of 30 runs.
 * (b) Crash recovery: 20 runs (4 rounds of 5) of the real bot as a child process, SIGKILLed at a random moment while
 *     its runs' steps execute, then restarted: every run finishes exactly once, the post (the side effect) is
 *     delivered once, no step completes twice, each run's event log runs 1..N without a gap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { z } from 'zod';
import { defineTool } from '../../src/agents/tool.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Outbox } from '../../src/core/outbox.ts';
import type { Llm } from '../../src/llm/types.ts';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { workflowSchema } from '../../src/workflows/definition.ts';
import { createWorkflows } from '../../src/workflows/service.ts';
import { botEnv, startBot } from '../../test/support/child-bot.ts';
import { createFakeGemini } from '../../test/support/fake-gemini.ts';
import { createFakeTelegram } from '../../test/support/fake-telegram.ts';
import { tempDbUrl } from '../../test/support/temp-db.ts';
import { crashConfigDir } from '../../test/workflows/crash-config.ts';
import { type BenchRow, percentile } from './row.ts';

const TOOL_MS = 20;
const MODEL_MS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function overhead(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wf-'));
  const store = await createStore({ url: `file:${join(dir, 'wf.db')}`, migrations });
  const log = createLogger({ level: 'silent' });
  const llm = {
    async generate() {
      await sleep(MODEL_MS);
      return {
        content: { role: 'model', parts: [{ text: 'ok' }] },
        text: 'ok',
        functionCalls: [],
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      };
    },
  } as unknown as Llm;
  const tool = defineTool({
    name: 'slow_read',
    description: 'bench',
    input: z.object({ q: z.string() }),
    readOnly: true,
    execute: async ({ q }) => {
      await sleep(TOOL_MS);
      return { text: `read ${q}` };
    },
  });
  let posted = 0;
  const outbox = {
    send: async () => ({ ok: true, messageIds: [++posted] }),
    edit: async () => ({ ok: true, messageIds: [] }),
  } as unknown as Outbox;
  const wf = workflowSchema.parse({
    name: 'bench',
    description: 'bench',
    params: { items: { type: 'list', required: true } },
    steps: [
      {
        id: 'each',
        type: 'forEach',
        items: '{{params.items}}',
        steps: [
          { id: 'read', type: 'tool', tool: 'slow_read', args: { q: '{{item}}' } },
          { id: 'say', type: 'agent', agent: 'a', model: 'router', task: '{{steps.read.output.text}}' },
        ],
      },
      { id: 'post', type: 'post', text: '{{steps.each.output}}' },
    ],
  });
  const workflows = createWorkflows({
    store,
    clock: systemClock,
    log,
    outbox,
    definitions: new Map([['bench', wf]]),
    steps: {
      llm,
      models: { default: 'm', router: 'm' },
      agentNamed: () => ({ instructions: 'be brief', builtinTools: [] }),
      toolNamed: (n) => (n === 'slow_read' ? tool : undefined),
      gate: { check: async () => ({ action: 'allow' }) },
      toolTimeoutMs: 5000,
      llmTimeoutMs: 5000,
      decisionTimeoutMs: () => 60_000,
    },
  });
  const over: number[] = [];
  for (let i = 0; i < 32; i++) {
    const start = performance.now();
    const launched = await workflows.launch(
      'bench',
      { items: 'a,b,c' },
      {
        turnId: `bench:${i}`,
        userId: 1,
        chat: { chatId: 1, type: 'private' },
        timezone: 'UTC',
      },
    );
    if (!launched.ok || (await launched.end).status !== 'done') throw new Error('bench run did not finish');
    if (i >= 2) over.push(performance.now() - start - 3 * (TOOL_MS + MODEL_MS));
  }
  await workflows.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return [
    {
      area: 'workflows',
      name: 'run overhead beyond model and tool calls, p50 (3 items, 7 steps)',
      value: Number(percentile(over, 50).toFixed(2)),
      unit: 'ms',
    },
    { area: 'workflows', name: 'run overhead, p95', value: Number(percentile(over, 95).toFixed(2)), unit: 'ms' },
  ];
}

async function crashRecovery(): Promise<BenchRow[]> {
  const tg = await createFakeTelegram();
  const gemini = await createFakeGemini();
  gemini.setHandler(async (req) => {
    const item = /step-(\w+)/.exec(req.lastUserText)?.[1];
    await sleep(40 + Math.random() * 80);
    return { text: item ? `out-${item}` : 'other' };
  });
  const db = tempDbUrl('bench-wf-crash');
  const user = 8800;
  const env = botEnv(tg, gemini, db.url, {
    ALLOWED_USER_IDS: String(user),
    PORT: '0',
    LOG_LEVEL: 'warn',
    CONFIG_DIR: crashConfigDir('bench-wf'),
  });
  const runs: string[] = [];
  let kills = 0;
  try {
    for (let round = 0; round < 4; round++) {
      let bot = await startBot({ env });
      const before = gemini.requests.length;
      const names: string[] = [];
      for (let r = 0; r < 5; r++) {
        const name = `r${round}x${r}`;
        names.push(name);
        tg.sendUserMessage({ chatId: user, text: `/workflows run steps items=${name}a,${name}b,${name}c,${name}d` });
      }
      runs.push(...names);
      await gemini.waitFor(() => gemini.requests.length > before || undefined, { timeoutMs: 20_000 });
      await sleep(Math.random() * 600);
      await bot.kill('SIGKILL');
      kills++;
      bot = await startBot({ env });
      await tg.waitFor(
        () => names.every((n) => tg.botMessages(user).some((m) => m.text.includes(`out-${n}d`))) || undefined,
        { timeoutMs: 60_000 },
      );
      await sleep(300);
      await bot.kill('SIGTERM', 8000);
    }
    const client = createClient({ url: db.url });
    let finishedOnce = 0;
    let postedOnce = 0;
    let noDoubleStep = 0;
    let noGaps = 0;
    let resumed = 0;
    try {
      for (const name of runs) {
        const posts = tg
          .botMessages(user)
          .filter((m) => m.text.startsWith('finished:') && m.text.includes(`out-${name}a`));
        if (posts.length === 1) postedOnce++;
        const row = (
          await client.execute({
            sql: `SELECT id, status FROM workflow_runs WHERE params LIKE ?`,
            args: [`%${name}a%`],
          })
        ).rows[0];
        if (!row) continue;
        const events = (
          await client.execute({
            sql: 'SELECT seq, type, step FROM workflow_events WHERE run_id = ? ORDER BY seq',
            args: [String(row.id)],
          })
        ).rows;
        if (row.status === 'done' && events.filter((e) => e.type === 'run_done').length === 1) finishedOnce++;
        if (events.every((e, i) => Number(e.seq) === i + 1)) noGaps++;
        const completed = events.filter((e) => e.type === 'step_completed').map((e) => String(e.step));
        if (new Set(completed).size === completed.length) noDoubleStep++;
        if (events.some((e) => e.type === 'run_resumed')) resumed++;
      }
    } finally {
      client.close();
    }
    const n = runs.length;
    const row = (name: string, value: number): BenchRow => ({
      area: 'workflows',
      name,
      value,
      unit: `of ${n}`,
      target: `${n}`,
      pass: value === n,
    });
    return [
      row('crash recovery: runs finished exactly once (4 SIGKILLs during 20 runs)', finishedOnce),
      row('crash recovery: final post delivered exactly once', postedOnce),
      row('crash recovery: no step completed twice', noDoubleStep),
      row('crash recovery: event log without gaps', noGaps),
      {
        area: 'workflows',
        name: 'crash recovery: runs resumed after a kill',
        value: resumed,
        unit: `of ${n}`,
        note: `${kills} kills`,
      },
    ];
  } finally {
    await tg.close();
    await gemini.close();
    await db.cleanup();
  }
}

/** Both measurements. */
export async function run(): Promise<BenchRow[]> {
  return [...(await overhead()), ...(await crashRecovery())];
}
