/**
 * Issue 5 acceptance through the real entry point: user A states facts, starts /new, asks about one and the
 * answer uses it (from memory, not from the thread); user B asking the same gets no trace of A in any request.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '@libsql/client';
import { botEnv, type ChildBot, startBot } from '../support/child-bot.ts';
import { createFakeGemini, type FakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  contentsText,
  delegate,
  dispatcher,
  isGenerate,
  roleOf,
  sleep,
} from './acceptance-support.ts';

const USER_A = 7101;
const USER_B = 7102;
/** Words that only ever appear in what user A said. */
const A_SECRETS = ['Pixel', 'Lisbon', 'nurse'];

let tg: FakeTelegram;
let gemini: FakeGemini;
let db: ReturnType<typeof tempDbUrl>;
let bot: ChildBot | undefined;
const unmatched: RecordedRequest[] = [];

/** The extractor reads the excerpt it was given and reports the durable facts in it (as Gemini would). */
const extractor: Rule = (req) => {
  if (roleOf(req) !== 'extraction') return undefined;
  const excerpt = req.lastUserText;
  const facts: { fact: string; category: string }[] = [];
  if (/User: My dog is called Pixel/.test(excerpt))
    facts.push({ fact: "User's dog is called Pixel", category: 'personal' });
  if (/User: I live in Lisbon/.test(excerpt)) facts.push({ fact: 'User lives in Lisbon', category: 'personal' });
  if (/User: I work as a nurse/.test(excerpt)) facts.push({ fact: 'User works as a nurse', category: 'work' });
  return { text: JSON.stringify(facts) };
};

const rules: Rule[] = [
  extractor,
  delegate(/dog called/i, 'assistant'),
  (req) => {
    if (req.model !== ROUTER_MODEL || roleOf(req) !== 'router') return undefined;
    if (/dog is called/.test(req.lastUserText)) return { text: 'What a lovely name for a dog!' };
    if (/live in/.test(req.lastUserText)) return { text: 'Sounds like a beautiful place to live.' };
    if (/work as/.test(req.lastUserText)) return { text: 'That is demanding and important work.' };
    return undefined;
  },
  // The assistant answers from what its request tells it, and only from that.
  (req) => {
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'assistant' || !/dog called/i.test(req.lastUserText))
      return undefined;
    const known = /dog is called (\w+)/.exec(req.systemText)?.[1];
    return { text: known ? `Your dog is called ${known}.` : "I don't know your dog's name yet. What is it?" };
  },
];

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  db = tempDbUrl('e2e-accept-memory');
  gemini.setHandler(dispatcher(rules, unmatched));
  bot = await startBot({
    env: botEnv(tg, gemini, db.url, {
      ALLOWED_USER_IDS: `${USER_A},${USER_B}`,
      PORT: '0',
      LOG_LEVEL: 'debug',
      GEMINI_ROUTER_MODEL: ROUTER_MODEL,
      GEMINI_MODEL: AGENT_MODEL,
    }),
  });
});

after(async () => {
  if (bot && !bot.hasExited()) await bot.kill('SIGKILL');
  await tg?.close();
  await gemini?.close();
  await db?.cleanup();
});

async function say(chatId: number, text: string, expected: RegExp): Promise<string> {
  tg.sendUserMessage({ chatId, text });
  const reply = await tg.waitForBotMessage(chatId, (m) => expected.test(m.text), { timeoutMs: 20_000 });
  return reply.text;
}

test('user A states facts; after /new the answer to "what is my dog called?" uses the remembered fact', async (t) => {
  await say(USER_A, 'My dog is called Pixel', /lovely name/);
  await say(USER_A, 'I live in Lisbon these days', /beautiful place/);
  await say(USER_A, 'I work as a nurse at the city hospital', /demanding/);

  // Three substantive messages: one batched extraction call, in the background.
  await bot?.waitForLog((_l, json) => json?.msg === 'facts extracted' && json.stored === 3, 15_000);
  const extractions = gemini.requests.filter((r) => roleOf(r) === 'extraction');
  assert.equal(extractions.length, 1, 'one batched extraction for three messages');
  t.diagnostic('fact extraction: 1 generate call (cheap model) per 3 substantive messages, in the background');
  const client = createClient({ url: db.url });
  try {
    const facts = await client.execute('SELECT user_id, text FROM memory_facts WHERE superseded_by IS NULL');
    assert.deepEqual(
      facts.rows.map((r) => [Number(r.user_id), String(r.text)]).sort(),
      [
        [USER_A, "User's dog is called Pixel"],
        [USER_A, 'User lives in Lisbon'],
        [USER_A, 'User works as a nurse'],
      ].sort(),
    );
  } finally {
    client.close();
  }

  tg.sendUserMessage({ chatId: USER_A, text: '/new' });
  await tg.waitForBotMessage(USER_A, (m) => /new conversation/.test(m.text), { timeoutMs: 10_000 });

  const from = gemini.requests.length;
  const answer = await say(USER_A, 'What is my dog called?', /dog/);
  assert.equal(answer, 'Your dog is called Pixel.');
  const calls = gemini.requests.slice(from).filter(isGenerate);
  assert.deepEqual(
    calls.map((c) => roleOf(c)),
    ['router', 'assistant'],
  );
  const [router, assistant] = calls as [RecordedRequest, RecordedRequest];
  // After /new the thread is empty: the fact reached the model through memory, not through history.
  assert.equal(router.contents.length, 1, `router contents after /new: ${contentsText(router.contents)}`);
  assert.doesNotMatch(contentsText(assistant.contents), /Pixel/, 'not in the agent history');
  assert.match(
    assistant.systemText,
    /What you know about the user[\s\S]*User's dog is called Pixel/,
    'fact injected into the system instruction',
  );
  assert.match(router.systemText, /User's dog is called Pixel/, 'the router sees the fact too');
});

test('user B asking the same question gets no trace of user A in any request', async () => {
  await sleep(500); // let A's background work (embeddings, extraction check) settle
  const from = gemini.requests.length;
  const answer = await say(USER_B, 'What is my dog called?', /dog/);
  assert.equal(answer, "I don't know your dog's name yet. What is it?");
  await sleep(1000); // anything B's turn triggers afterwards counts too
  const requests = gemini.requests.slice(from);
  assert.ok(
    requests.some((r) => roleOf(r) === 'assistant'),
    'B was answered by the assistant',
  );
  assert.ok(
    requests.some((r) => r.kind === 'embed'),
    "B's message was embedded for recall",
  );
  for (const r of requests) {
    const body = JSON.stringify(r.body);
    for (const secret of A_SECRETS) {
      assert.ok(!body.includes(secret), `${r.kind} ${roleOf(r) ?? r.model} request for B contains "${secret}"`);
    }
  }
  assert.ok(
    !tg.transcript(USER_B).some((m) => A_SECRETS.some((s) => m.text.includes(s))),
    "B's chat shows nothing of A",
  );
  assert.deepEqual(
    unmatched.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
    [],
    'every model request was scripted',
  );
});
