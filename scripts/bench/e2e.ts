/**
 * End-to-end benchmark of the real entry point (the bundle `npm start` runs, as a child process) against the fakes
 * (test/support/fake-telegram.ts, fake-gemini.ts) answering instantly:
 * - turn latency with memory on and a database pre-filled with 100k messages and 10k facts, against the floor
 *   (scripts/bench/_floor-bot.ts: bare grammY + one generateContent + ctx.reply), both child processes;
 * - generate calls and tokens per turn kind, and calls while idle.
 */
import { readFileSync } from 'node:fs';
import type { Content } from '@google/genai';
import { type ChildBot, botEnv, startBot } from '../../test/support/child-bot.ts';
import { ensureBuilt, npmStartNodeArgs } from '../../test/support/compiled.ts';
import {
  type FakeGemini,
  type RecordedRequest,
  type Reply,
  createFakeGemini,
  fakeEmbedding,
} from '../../test/support/fake-gemini.ts';
import { type FakeTelegram, createFakeTelegram } from '../../test/support/fake-telegram.ts';
import { type TempDb, tempDbUrl } from '../../test/support/temp-db.ts';
import { encodeVector } from '../../src/vectors/vectors.ts';
import { type SqlValue, type Statement, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type BenchRow, median, percentile } from './row.ts';

const AREA = 'e2e';
const USER = 7001;
/** Users who chat during the latency loop (round-robin); each owns 10k messages and 1k facts. */
const ACTIVE_USERS = Array.from({ length: 10 }, (_, i) => USER + i);
const MESSAGES = 100_000;
const USER_MESSAGES = 10_000;
const FACTS = 10_000;
const USER_FACTS = 1_000;
const OTHER_USERS = 0;
const WARMUP = 10;
const TURNS_PER_ROUND = 50;
const ROUNDS = 2;
/**
 * Pause between a reply and the next message. With 10 users in rotation each chat is revisited after > 1 s, so the
 * 1 message/s per-chat limit of the outbox never delays a measured turn (a separate row shows back-to-back turns).
 */
const THINK_MS = 100;
const IDLE_WINDOW_MS = 30_000;

// ------------------------------------------------------------------ the scripted model

type CallTag = 'router' | 'assistant' | 'planner' | 'extract' | 'summary' | 'floor' | 'other';

interface LedgerEntry {
  tag: CallTag;
  at: number;
  input: number;
  output: number;
}

const ledger: LedgerEntry[] = [];

function partChars(contents: Content[]): number {
  let n = 0;
  for (const c of contents) {
    for (const p of c.parts ?? []) {
      if (typeof p.text === 'string') n += p.text.length;
      if (p.functionCall !== undefined) n += JSON.stringify(p.functionCall).length;
      if (p.functionResponse !== undefined) n += JSON.stringify(p.functionResponse).length;
    }
  }
  return n;
}

function tagOf(req: RecordedRequest): CallTag {
  if (req.systemText.includes('You extract durable facts')) return 'extract';
  if (req.systemText.includes('You compress the older part')) return 'summary';
  if (req.toolNames.includes('agent_assistant')) return 'router';
  if (req.toolNames.includes('schedule_create')) return 'planner';
  if (req.toolNames.includes('http_fetch')) return 'assistant';
  if (req.toolNames.length === 0 && req.systemText === '') return 'floor';
  return 'other';
}

const lastIsToolResult = (req: RecordedRequest): boolean =>
  req.contents.at(-1)?.parts?.some((p) => p.functionResponse !== undefined) ?? false;

/** Answers from the request shape, so one script serves every turn; usage is set explicitly and recorded. */
function script(req: RecordedRequest): Reply {
  const tag = tagOf(req);
  const text = req.lastUserText;
  let reply: Reply;
  switch (tag) {
    case 'extract':
      reply = { text: '[]' };
      break;
    case 'summary':
      reply = { text: 'The user and the assistant chatted about plans, errands and appointments.' };
      break;
    case 'router':
      if (lastIsToolResult(req)) reply = { text: 'Done.' };
      else if (text.startsWith('plan:')) reply = { functionCalls: [{ name: 'agent_planner', args: { task: text } }] };
      else if (text.startsWith('delegate'))
        reply = { functionCalls: [{ name: 'agent_assistant', args: { task: text } }] };
      else reply = { text: `Answer: ${text}` };
      break;
    case 'assistant':
      if (lastIsToolResult(req)) reply = { text: `Assistant answer after the tool: ${text}` };
      else if (text.includes('with tool')) reply = { functionCalls: [{ name: 'current_time', args: {} }] };
      else reply = { text: `Assistant answer: ${text}` };
      break;
    case 'planner':
      if (lastIsToolResult(req)) reply = { text: 'Reminder set for one minute from now.' };
      else
        reply = {
          functionCalls: [
            {
              name: 'schedule_create',
              args: { kind: 'reminder', text: 'bench reminder: stretch', when: { in: { minutes: 1 } } },
            },
          ],
        };
      break;
    case 'floor':
      reply = { text: `Answer: ${text}` };
      break;
    default:
      reply = { text: 'OK.' };
  }
  const input = Math.ceil((partChars(req.contents) + req.systemText.length) / 4);
  const outChars =
    (reply.text ?? '').length + (reply.functionCalls ?? []).reduce((n, fc) => n + JSON.stringify(fc).length, 0);
  const output = Math.ceil(outChars / 4);
  ledger.push({ tag, at: Date.now(), input, output });
  return { ...reply, usage: { promptTokenCount: input, candidatesTokenCount: output } };
}

// ------------------------------------------------------------------ pre-filled database

const TOPICS = [
  'dentist',
  'groceries',
  'flight',
  'birthday',
  'invoice',
  'gym',
  'recipe',
  'meeting',
  'garden',
  'car',
  'book',
  'concert',
  'taxes',
  'holiday',
  'plumber',
  'school',
];
const ACTIONS = [
  'remind me about',
  'what did we decide on',
  'I need to sort out',
  'can you summarise',
  'help me plan',
  'I booked',
  'I cancelled',
  'ideas for',
];
const WHEN = ['monday', 'tuesday', 'friday', 'the weekend', 'next week', 'tomorrow', 'in march', 'tonight'];
const CATEGORIES = ['personal', 'preference', 'work', 'habit', 'relationship', 'health', 'goal', 'other'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs the migrations and writes the rows the way the bot stores them: conversation turns (user message with its
 * int8 vector + the reply) in old threads, facts with embeddings, and extraction watermarks at the newest message.
 * Each of the 10 active users owns 10k messages (10 % of the table) and 1k facts.
 */
export async function prefill(url: string): Promise<{ ms: number; userMessages: number; userFacts: number }> {
  const t0 = performance.now();
  const store = await createStore({ url, migrations });
  const r = rng(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  try {
    const owners: { userId: number; messages: number; facts: number }[] = ACTIVE_USERS.map((userId) => ({
      userId,
      messages: USER_MESSAGES,
      facts: USER_FACTS,
    }));
    const otherCount = Math.max(0, OTHER_USERS);
    const otherMessages = otherCount > 0 ? (MESSAGES - USER_MESSAGES * owners.length) / otherCount : 0;
    const otherFacts = otherCount > 0 ? (FACTS - USER_FACTS * owners.length) / otherCount : 0;
    for (let u = 0; u < otherCount; u++) owners.push({ userId: 8000 + u, messages: otherMessages, facts: otherFacts });
    // Interleave owners so each scope's rows are spread through the file, as in real use.
    const now = Date.now();
    const start = now - 365 * 24 * 3600_000;
    let nextId = 1;
    const remaining = new Map(owners.map((o) => [o.userId, o.messages / 2]));
    const lastId = new Map<number, number>();
    const threadOf = (userId: number, turn: number) => `bench-${userId}-${Math.floor(turn / 250)}`;
    const turnCounter = new Map<number, number>();
    const threads = new Set<string>();
    const CHUNK = 250;
    let active = owners.map((o) => o.userId);
    while (active.length > 0) {
      const msgArgs: SqlValue[] = [];
      const vecArgs: SqlValue[] = [];
      const threadArgs: SqlValue[] = [];
      let msgRows = 0;
      let vecRows = 0;
      let threadRows = 0;
      for (let k = 0; k < CHUNK && active.length > 0; k++) {
        const userId = active[Math.floor(r() * active.length)] as number;
        const left = (remaining.get(userId) ?? 0) - 1;
        remaining.set(userId, left);
        if (left <= 0) active = active.filter((id) => id !== userId);
        const turn = turnCounter.get(userId) ?? 0;
        turnCounter.set(userId, turn + 1);
        const threadId = threadOf(userId, turn);
        const at = start + Math.floor((nextId / MESSAGES) * 364 * 24 * 3600_000);
        if (!threads.has(threadId)) {
          threads.add(threadId);
          threadArgs.push(threadId, userId, at, at);
          threadRows++;
        }
        const userText = `${pick(ACTIONS)} the ${pick(TOPICS)} ${pick(WHEN)}, note ${nextId} about ${pick(TOPICS)}`;
        const replyText = `Sure. About the ${pick(TOPICS)}: here is what I suggest for ${pick(WHEN)}, step by step (${nextId}).`;
        const scope = `u:${userId}`;
        const uid = nextId++;
        const mid = nextId++;
        msgArgs.push(
          uid,
          threadId,
          userId,
          userId,
          scope,
          'user',
          userText,
          Math.ceil(userText.length / 4) + 4,
          `bench:${uid}`,
          1,
          at,
        );
        msgArgs.push(
          mid,
          threadId,
          userId,
          userId,
          scope,
          'model',
          replyText,
          Math.ceil(replyText.length / 4) + 4,
          `bench:${uid}`,
          2,
          at + 1,
        );
        msgRows += 2;
        vecArgs.push(scope, uid, encodeVector(fakeEmbedding(userText)));
        vecRows++;
        lastId.set(userId, mid);
      }
      const statements: Statement[] = [];
      if (threadRows > 0) {
        statements.push({
          sql: `INSERT INTO memory_threads (id, chat_id, topic_id, created_at, updated_at) VALUES ${Array.from({ length: threadRows }, () => '(?, ?, 0, ?, ?)').join(',')}`,
          args: threadArgs,
        });
      }
      statements.push({
        sql: `INSERT INTO memory_messages (id, thread_id, chat_id, user_id, scope, role, text, tokens, turn_id, embed_state, created_at) VALUES ${Array.from({ length: msgRows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(',')}`,
        args: msgArgs,
      });
      statements.push({
        sql: `INSERT INTO memory_vectors (scope, message_id, vec) VALUES ${Array.from({ length: vecRows }, () => '(?, ?, ?)').join(',')}`,
        args: vecArgs,
      });
      await store.batch(statements);
    }
    // Facts, with embeddings, 500 per batch.
    let factNo = 0;
    for (const o of owners) {
      for (let f = 0; f < o.facts; f += 500) {
        const n = Math.min(500, o.facts - f);
        const args: SqlValue[] = [];
        for (let i = 0; i < n; i++) {
          const text = `User ${pick(['likes', 'avoids', 'plans', 'owns', 'prefers', 'works on'])} ${pick(TOPICS)} ${pick(TOPICS)} item ${factNo}`;
          const at = now - Math.floor(r() * 300) * 24 * 3600_000;
          args.push(
            `f${factNo++}`,
            `u:${o.userId}`,
            o.userId,
            o.userId,
            text,
            pick(CATEGORIES),
            0.6 + r() * 0.4,
            r() < 0.5 ? 'explicit' : 'extracted',
            encodeVector(fakeEmbedding(text)),
            at,
            at,
            at,
          );
        }
        await store.run(
          `INSERT INTO memory_facts (id, scope, user_id, chat_id, text, category, confidence, source, embedding, created_at, confirmed_at, updated_at)
           VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(',')}`,
          args,
        );
      }
    }
    await store.batch(
      owners.map((o) => ({
        sql: 'INSERT INTO memory_scopes (scope, user_id, chat_id, extracted_upto, updated_at) VALUES (?, ?, ?, ?, ?)',
        args: [`u:${o.userId}`, o.userId, o.userId, lastId.get(o.userId) ?? 0, now],
      })),
    );
    const counts = await store.get(
      `SELECT (SELECT COUNT(*) FROM memory_messages) AS m, (SELECT COUNT(*) FROM memory_facts) AS f,
              (SELECT COUNT(*) FROM memory_messages WHERE scope = ?) AS um, (SELECT COUNT(*) FROM memory_facts WHERE scope = ?) AS uf`,
      [`u:${USER}`, `u:${USER}`],
    );
    if (Number(counts?.m) !== MESSAGES || Number(counts?.f) !== FACTS) {
      throw new Error(`pre-fill wrote ${String(counts?.m)} messages and ${String(counts?.f)} facts`);
    }
    await store.run('PRAGMA wal_checkpoint(TRUNCATE)');
    return { ms: performance.now() - t0, userMessages: Number(counts?.um), userFacts: Number(counts?.uf) };
  } finally {
    await store.close();
  }
}

// ------------------------------------------------------------------ helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** One turn: enqueue the user's message at the fake, wait for the final bot message carrying `marker`. */
async function turn(tg: FakeTelegram, chatId: number, text: string, marker: string): Promise<number> {
  const t0 = performance.now();
  tg.sendUserMessage({ chatId, text });
  await tg.waitForBotMessage(chatId, (m) => m.text.includes(marker), { timeoutMs: 20_000 });
  return performance.now() - t0;
}

/** `n` sequential turns, rotating over `chats`, with THINK_MS (or `thinkMs`) between a reply and the next message. */
async function latencyBlock(
  tg: FakeTelegram,
  label: string,
  n: number,
  offset: number,
  out: number[] | undefined,
  chats: number[] = ACTIVE_USERS,
  thinkMs = THINK_MS,
): Promise<void> {
  for (let i = 0; i < n; i++) {
    const marker = `(${label} turn ${offset + i})`;
    const topic = TOPICS[(offset + i) % TOPICS.length] as string;
    const chatId = chats[(offset + i) % chats.length] as number;
    const ms = await turn(tg, chatId, `what did we decide on the ${topic} for next week ${marker}`, marker);
    out?.push(ms);
    await sleep(thinkMs);
  }
}

interface KindCost {
  calls: number;
  input: number;
  output: number;
  embeds: number;
}

/** Generate calls (excluding background memory work), their tokens, and embedding calls between `from` and `to`. */
function costBetween(gemini: FakeGemini, from: number, to: number): KindCost {
  const fg = ledger.filter((e) => e.at >= from && e.at <= to && e.tag !== 'extract' && e.tag !== 'summary');
  return {
    calls: fg.length,
    input: fg.reduce((s, e) => s + e.input, 0),
    output: fg.reduce((s, e) => s + e.output, 0),
    embeds: gemini.embedCalls().filter((r) => r.at >= from && r.at <= to).length,
  };
}

// ------------------------------------------------------------------ run

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  ledger.length = 0;
  const gemini = await createFakeGemini();
  gemini.setHandler(script);
  const tgOurs = await createFakeTelegram();
  const tgFloor = await createFakeTelegram();
  const dbs: TempDb[] = [];
  const bots: ChildBot[] = [];
  const db = tempDbUrl('bench-e2e');
  dbs.push(db);
  try {
    const filled = await prefill(db.url);
    rows.push({
      area: AREA,
      name: 'pre-fill (migrations + 100k messages with int8 vectors + 10k facts, SQL)',
      value: Math.round(filled.ms / 1000),
      unit: 's',
      note: `${ACTIVE_USERS.length} users; each scope (e.g. the first user's) holds ${filled.userMessages} messages and ${filled.userFacts} facts`,
    });

    const extra = { ALLOWED_USER_IDS: ACTIVE_USERS.join(','), PORT: '0', LOG_LEVEL: 'warn' };
    ensureBuilt();
    const ours = await startBot({ env: botEnv(tgOurs, gemini, db.url, extra), nodeArgs: npmStartNodeArgs() });
    bots.push(ours);
    const floor = await startBot({
      env: botEnv(tgFloor, gemini, 'file:/nonexistent/unused.db', extra),
      entry: 'scripts/bench/_floor-bot.ts',
    });
    bots.push(floor);

    // Warm-up, then interleaved rounds so drift on the machine hits both sides equally.
    await latencyBlock(tgFloor, 'floor', WARMUP, 0, undefined);
    await latencyBlock(tgOurs, 'ours', WARMUP, 0, undefined);
    const floorMs: number[] = [];
    const oursMs: number[] = [];
    const loopStart = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      await latencyBlock(tgFloor, 'floor', TURNS_PER_ROUND, WARMUP + round * TURNS_PER_ROUND, floorMs);
      await latencyBlock(tgOurs, 'ours', TURNS_PER_ROUND, WARMUP + round * TURNS_PER_ROUND, oursMs);
    }
    const loopEnd = Date.now();
    await floor.kill('SIGTERM', 3000);
    const f50 = percentile(floorMs, 50);
    const f99 = percentile(floorMs, 99);
    const o50 = percentile(oursMs, 50);
    const o99 = percentile(oursMs, 99);
    const note = `${oursMs.length} sequential turns after ${WARMUP} warm-up, rotating over ${ACTIVE_USERS.length} users, ${THINK_MS} ms between reply and next message; enqueued at the fake → final message stored by the fake; includes the fake's long-poll hand-off (same for both)`;
    rows.push({
      area: AREA,
      name: 'floor turn latency p50 (bare grammY + 1 generateContent)',
      value: round2(f50),
      unit: 'ms',
      note,
    });
    rows.push({ area: AREA, name: 'floor turn latency p99', value: round2(f99), unit: 'ms' });
    rows.push({
      area: AREA,
      name: 'our turn latency p50 (memory on, 100k messages / 10k facts in the DB)',
      value: round2(o50),
      unit: 'ms',
      note: 'router answers directly: journal, access check, query embedding, recall over the 10k-message scope, facts, streamed reply, commit',
    });
    rows.push({ area: AREA, name: 'our turn latency p99', value: round2(o99), unit: 'ms' });
    // Back-to-back in one chat: the next message arrives 50 ms after the reply, so the per-chat pacing shows.
    const burstMs: number[] = [];
    await latencyBlock(tgOurs, 'same-chat', 8, 0, burstMs, [USER], 50);
    rows.push({
      area: AREA,
      name: 'our turn latency p50, back-to-back in one chat (50 ms between reply and next message)',
      value: round2(median(burstMs)),
      unit: 'ms',
      note: 'the outbox spaces messages to one private chat 1 s apart (Telegram: about 1 message/s per chat); the floor would draw 429s at this pace',
    });
    rows.push({
      area: AREA,
      name: 'turn overhead ratio ours / floor (p50)',
      value: round2(o50 / f50),
      unit: '×',
      target: '≤ 2.5× (issue 18)',
      pass: o50 / f50 <= 2.5,
      note: `p99 ratio ${round2(o99 / f99)}×`,
    });
    rows.push({
      area: AREA,
      name: 'our turn latency p99 / p50',
      value: round2(o99 / o50),
      unit: '×',
      target: '≤ 2× (issue 18)',
      pass: o99 / o50 <= 2,
    });
    const background = ledger.filter(
      (e) => e.at >= loopStart && e.at <= loopEnd && (e.tag === 'extract' || e.tag === 'summary'),
    );
    rows.push({
      area: AREA,
      name: 'background memory calls per 100 turns (fact extraction + thread summaries)',
      value: round2((background.length / oursMs.length) * 100),
      unit: 'calls',
      note: `${background.filter((e) => e.tag === 'extract').length} extraction, ${background.filter((e) => e.tag === 'summary').length} summary calls during ${oursMs.length} measured turns`,
    });

    // Generate calls and tokens per turn kind (fresh fake request window per kind, background work excluded).
    const kinds: { name: string; text: string; marker: RegExp; expected: number }[] = [
      { name: 'plain "thanks" (router only)', text: 'thanks', marker: /^Answer: thanks/, expected: 1 },
      {
        name: 'plain question (router only)',
        text: 'what did we decide on the dentist for friday',
        marker: /^Answer: what did we decide/,
        expected: 1,
      },
      {
        name: 'delegated to a specialist',
        text: 'delegate: write a short note about the garden',
        marker: /Assistant answer: delegate/,
        expected: 2,
      },
      {
        name: 'delegated with one tool call',
        text: 'delegate with tool: what time is it here',
        marker: /Assistant answer after the tool/,
        expected: 3,
      },
      {
        name: 'delegated, planner creates a reminder',
        text: 'plan: remind me to stretch in a minute',
        marker: /Reminder set/,
        expected: 3,
      },
    ];
    let reminderCreatedAt = 0;
    for (const k of kinds) {
      await sleep(300);
      const from = Date.now();
      tgOurs.sendUserMessage({ chatId: USER, text: k.text });
      await tgOurs.waitForBotMessage(USER, (m) => k.marker.test(m.text), { timeoutMs: 20_000 });
      await sleep(300);
      const c = costBetween(gemini, from, Date.now());
      if (k.text.startsWith('plan:')) reminderCreatedAt = from;
      rows.push({
        area: AREA,
        name: `generate calls per turn: ${k.name}`,
        value: c.calls,
        unit: 'calls',
        target: `= ${k.expected}`,
        pass: c.calls === k.expected,
        note: `${c.input} input + ${c.output} output tokens (usageMetadata); ${c.embeds} embedding call(s)`,
      });
    }
    const rssAfterTurns = rssMb(ours.pid);

    // Cold start and idle RSS on an empty database: scripts/bench/startup.ts (the compiled entry, as `npm start`).
    rows.push({
      area: AREA,
      name: `RSS of the pre-filled bot after ${oursMs.length + WARMUP + kinds.length} turns`,
      value: round2(rssAfterTurns),
      unit: 'MB',
      note: `VmRSS from /proc (vector cache of a 10k-message scope); node ${npmStartNodeArgs().join(' ')}`,
    });

    // Reminder firing: the occurrence created above is due one minute after its turn.
    const fired = await tgOurs.waitForBotMessage(
      USER,
      (m) => m.text.includes('bench reminder: stretch') && !/Reminder set/.test(m.text),
      {
        timeoutMs: Math.max(5_000, reminderCreatedAt + 75_000 - Date.now()),
        since: 'any',
      },
    );
    const firedAt = Date.now();
    await sleep(1500);
    const fire = costBetween(gemini, firedAt - 1000, Date.now());
    rows.push({
      area: AREA,
      name: 'generate calls per turn: reminder firing',
      value: fire.calls,
      unit: 'calls',
      target: '= 0',
      pass: fire.calls === 0,
      note: `reminder posted as-is ("${fired.text.slice(0, 40)}"); ${fire.embeds} embedding call(s)`,
    });

    // Idle: nothing should call the model.
    const idleFrom = Date.now();
    await sleep(IDLE_WINDOW_MS);
    const idleTo = Date.now();
    const idleGenerate = gemini.generateCalls().filter((r) => r.at >= idleFrom && r.at <= idleTo).length;
    const idleEmbed = gemini.embedCalls().filter((r) => r.at >= idleFrom && r.at <= idleTo).length;
    rows.push({
      area: AREA,
      name: `generate calls while idle (${IDLE_WINDOW_MS / 1000} s, after the turns above)`,
      value: idleGenerate,
      unit: 'calls',
      target: '0',
      pass: idleGenerate === 0,
      note: `${idleEmbed} embedding call(s) in the same window`,
    });
    const exit = await ours.kill('SIGTERM', 10_000);
    if (exit.code !== 0)
      throw new Error(`our bot exited with ${JSON.stringify(exit)}\n${ours.logs().slice(-10).join('\n')}`);
    const errors = ours.jsonLogs().filter((j) => Number(j.level) >= 50);
    if (errors.length > 0) {
      rows.push({
        area: AREA,
        name: 'errors logged by our bot during the run',
        value: errors.length,
        unit: 'lines',
        note: String(errors[0]?.msg ?? ''),
      });
    }
  } finally {
    for (const bot of bots) if (!bot.hasExited()) await bot.kill('SIGKILL', 1000);
    await tgOurs.close();
    await tgFloor.close();
    await gemini.close();
    for (const d of dbs) await d.cleanup();
  }
  return rows;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => console.table(r.map(({ area: _a, ...rest }) => rest)));
}
