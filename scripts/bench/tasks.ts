/**
 * Background tasks (issue 17): 20 tasks across 5 users run at once while those users keep chatting. Every task's
 * model call is held open at the fake Gemini until the chat phase is over, so a chat message that had to wait for a
 * task would never be answered in time. Measures chat answer latency (message sent → answer in the chat, through the
 * whole app in-process: real grammY, outbox, libSQL file, fake Bot API and Gemini) with no task running and with 20
 * running, and how long the 20 results take to be posted once the model answers.
 */
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../../test/support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../../test/support/fake-telegram.ts';
import { startWholeApp } from '../../test/support/whole-app.ts';
import { type BenchRow, median, percentile } from './row.ts';

const AREA = 'tasks';
const USERS = [9101, 9102, 9103, 9104, 9105];
const TASKS_PER_USER = 4;
const MESSAGES_PER_USER = 12;
const THINK_MS = 20;

interface Held {
  title: string;
  release: (reply: Reply) => void;
}

function lastIsTaskStart(req: RecordedRequest): { started?: boolean } | undefined {
  for (const part of req.contents.at(-1)?.parts ?? []) {
    const fr = part.functionResponse;
    if (fr?.name === 'task_start') return (fr.response ?? {}) as { started?: boolean };
  }
  return undefined;
}

function scriptedModel(held: Held[]) {
  return (req: RecordedRequest): Reply | undefined | Promise<Reply> => {
    if (req.kind === 'embed') return undefined;
    if (req.systemText.includes('You extract durable facts')) return { text: '[]' };
    if (req.systemText.includes('You compress the older part')) return { text: 'summary' };
    const started = lastIsTaskStart(req);
    if (started) return { text: started.started ? 'Started.' : 'Refused.' };
    const task = /\(Background task "([^"]+)"/.exec(req.lastUserText);
    if (task) return new Promise<Reply>((release) => held.push({ title: task[1]!, release }));
    const dig = /^dig into (.+)$/.exec(req.lastUserText);
    if (dig) return { functionCalls: [{ name: 'task_start', args: { title: dig[1]!, task: `Research ${dig[1]!}.` } }] };
    return { text: `Answer: ${req.lastUserText}` };
  };
}

/**
 * Each user starts a new conversation (so every round has the same history), then sends MESSAGES_PER_USER messages
 * one after another (all users at once); returns each answer's latency.
 */
async function chatRound(tg: FakeTelegram, label: string): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    USERS.map(async (user) => {
      tg.sendUserMessage({ chatId: user, text: '/new' });
      await tg.waitForBotMessage(user, (m) => /new conversation/.test(m.text), { timeoutMs: 30_000 });
      for (let i = 0; i < MESSAGES_PER_USER; i++) {
        const text = `${label} question ${i} from ${user}`;
        const t0 = performance.now();
        tg.sendUserMessage({ chatId: user, text });
        await tg.waitForBotMessage(user, (m) => m.text === `Answer: ${text}`, { timeoutMs: 30_000 });
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, THINK_MS));
      }
    }),
  );
  return latencies;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function run(): Promise<BenchRow[]> {
  const tg = await createFakeTelegram();
  const gemini: FakeGemini = await createFakeGemini();
  const held: Held[] = [];
  gemini.setHandler(scriptedModel(held));
  const app = await startWholeApp({
    tg,
    gemini,
    allowedUserIds: USERS,
    tasks: { perUserRunning: TASKS_PER_USER, perUserQueued: 2, globalRunning: 40 },
  });
  try {
    await chatRound(tg, 'warm-up');
    const without = await chatRound(tg, 'baseline');

    // 20 tasks, 4 per user, started from chat; each runs until released.
    await Promise.all(
      USERS.map(async (user) => {
        for (let i = 0; i < TASKS_PER_USER; i++) {
          tg.sendUserMessage({ chatId: user, text: `dig into topic ${user}-${i}` });
          await tg.waitForBotMessage(user, (m) => m.text === 'Started.', { timeoutMs: 30_000 });
        }
      }),
    );
    const total = USERS.length * TASKS_PER_USER;
    await until(() => held.length === total, 30_000, `${total} task turns at the model`);

    const withTasks = await chatRound(tg, 'busy');
    const resultsBefore = USERS.reduce((n, u) => n + tg.botMessages(u).filter((m) => /^✅/.test(m.text)).length, 0);
    const answeredWhileRunning = withTasks.length === USERS.length * MESSAGES_PER_USER && resultsBefore === 0;

    const t0 = performance.now();
    for (const h of held) h.release({ text: `Findings about ${h.title}.` });
    await until(
      () => USERS.reduce((n, u) => n + tg.botMessages(u).filter((m) => /^✅/.test(m.text)).length, 0) === total,
      30_000,
      'every task result posted',
    );
    const resultsMs = performance.now() - t0;
    // The machine's load drifts: a second no-task round after the tasks ended, pooled with the first.
    without.push(...(await chatRound(tg, 'after')));

    const p95Without = percentile(without, 95);
    const p95With = percentile(withTasks, 95);
    const note = `${USERS.length} users × ${MESSAGES_PER_USER} messages after /new, in-process app with fakes (no-task: two rounds, before and after)`;
    return [
      { area: AREA, name: 'chat answer latency, no task running (p50)', value: median(without), unit: 'ms', note },
      { area: AREA, name: 'chat answer latency, no task running (p95)', value: p95Without, unit: 'ms', note },
      {
        area: AREA,
        name: `chat answer latency, ${total} tasks running (p50)`,
        value: median(withTasks),
        unit: 'ms',
        note,
      },
      {
        area: AREA,
        name: `chat answer latency, ${total} tasks running (p95)`,
        value: p95With,
        unit: 'ms',
        target: '< 2 × no-task p95 + 100 ms',
        pass: p95With < 2 * p95Without + 100,
        note,
      },
      {
        area: AREA,
        name: `chat messages answered while ${total} tasks ran (none finished)`,
        value: answeredWhileRunning ? withTasks.length : 0,
        unit: 'messages',
        target: `all ${USERS.length * MESSAGES_PER_USER}`,
        pass: answeredWhileRunning,
        note: 'every task held open at the model until the chat phase ended',
      },
      {
        area: AREA,
        name: `${total} task results posted after the model answered`,
        value: resultsMs,
        unit: 'ms',
        note: 'all replies to their request messages',
      },
    ];
  } finally {
    for (const h of held) h.release({ text: 'late' });
    await app.close();
    await tg.close();
    await gemini.close();
  }
}
