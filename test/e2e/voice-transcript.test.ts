/**
 * Issue 12, point 8 (voice transcripts), through the real entry point (`src/main.ts` as a child process): the agent
 * that hears a voice message writes its transcript at the start of the same answer; the user sees "🎙 “…”" above
 * the answer (a /settings switch, on by default), memory keeps the transcript as the user's words, and the turn
 * costs one model call. The fake Gemini streams the marker split across chunks, as a real stream may.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { botEnv, type ChildBot, startBot } from '../support/child-bot.ts';
import { createFakeGemini, type FakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  buttonsOf,
  contentsText,
  dispatcher,
  isBackground,
  isGenerate,
  roleOf,
} from './acceptance-support.ts';

const USER = 7301;

let tg: FakeTelegram;
let gemini: FakeGemini;
let db: ReturnType<typeof tempDbUrl>;
let bot: ChildBot | undefined;
const unmatched: RecordedRequest[] = [];

/** What each fake voice message "says": the bytes are a label the fake model transcribes. */
const SPOKEN: Record<string, { transcript: string; answer: string }> = {
  'voice-1': { transcript: 'Remind me to buy oat milk & <b>eggs</b>', answer: 'Got it — oat milk and eggs.' },
  'voice-2': { transcript: 'I need to call the dentist on Monday', answer: 'Noted: call the dentist on Monday.' },
};

function audioOf(req: RecordedRequest): string | undefined {
  for (const c of req.contents) {
    for (const p of c.parts ?? []) {
      if (p.inlineData?.mimeType?.startsWith('audio/'))
        return Buffer.from(String(p.inlineData.data), 'base64').toString();
    }
  }
  return undefined;
}

const rules: Rule[] = [
  (req) => (roleOf(req) === 'extraction' ? { text: '[]' } : undefined),
  // The model that hears the audio answers with the transcript first, the marker cut across stream chunks.
  (req) => {
    const heard = audioOf(req);
    const spoken = heard ? SPOKEN[heard] : undefined;
    if (!spoken) return undefined;
    const full = `<transcript>${spoken.transcript}</transcript>\n${spoken.answer}`;
    const chunks = [
      full.slice(0, 5),
      full.slice(5, 20),
      full.slice(20, full.indexOf('</transcript>') + 6),
      full.slice(full.indexOf('</transcript>') + 6),
    ];
    return { chunks, delayMs: 120 };
  },
  (req) => (roleOf(req) === 'router' && /^thanks/i.test(req.lastUserText) ? { text: "You're welcome!" } : undefined),
];

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  db = tempDbUrl('e2e-voice');
  gemini.setHandler((req) =>
    req.kind === 'embed' || req.kind === 'countTokens' ? undefined : dispatcher(rules, unmatched)(req),
  );
  bot = await startBot({
    env: botEnv(tg, gemini, db.url, {
      ALLOWED_USER_IDS: String(USER),
      PORT: '0',
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

/** Sends a voice message and waits for the answer; returns it with the model calls made for the turn. */
async function voice(label: string): Promise<{ reply: TranscriptEntry; calls: RecordedRequest[] }> {
  const from = gemini.requests.length;
  const data = Buffer.from(label);
  const fileId = tg.addFile(data, { mimeType: 'audio/ogg' });
  tg.sendUserMessage({ chatId: USER, voice: { fileId, mimeType: 'audio/ogg', fileSize: data.length, duration: 3 } });
  const answer = SPOKEN[label]?.answer ?? '';
  const reply = await tg.waitForBotMessage(USER, (m) => m.text.includes(answer), { timeoutMs: 20_000 });
  const calls = gemini.requests.slice(from).filter((r) => isGenerate(r) && !isBackground(r));
  return { reply, calls };
}

/** Nothing the user was ever shown (messages, edits, drafts) carries the raw marker. */
function assertNoRawMarker(): void {
  const shown = [...tg.transcript(USER).map((m) => m.raw ?? m.text), ...tg.drafts(USER).map((d) => d.raw)];
  for (const text of shown)
    assert.doesNotMatch(text, /<\/?transc|transcript>/i, `the raw marker reached the chat: ${text}`);
}

async function storedUserTexts(): Promise<string[]> {
  const store = await createStore({ url: db.url, migrations });
  try {
    const rows = await store.query("SELECT text FROM memory_messages WHERE role = 'user' AND user_id = ? ORDER BY id", [
      USER,
    ]);
    return rows.map((r) => String(r.text));
  } finally {
    await store.close();
  }
}

test('a voice message: "🎙 “…”" (escaped, italic) above the answer, one model call, and memory keeps the transcript', async () => {
  const { reply, calls } = await voice('voice-1');
  assert.equal(reply.text, '🎙 “Remind me to buy oat milk & <b>eggs</b>”\n\nGot it — oat milk and eggs.');
  assert.match(
    reply.html ?? '',
    /^🎙 <i>“Remind me to buy oat milk &amp; &lt;b&gt;eggs&lt;\/b&gt;”<\/i>/,
    'the transcript is escaped and italic',
  );
  assert.equal(calls.length, 1, 'the transcript costs no extra model call');
  const [heard] = calls as [RecordedRequest];
  assert.equal(audioOf(heard), 'voice-1', 'the one call is the one that heard the voice');
  assert.match(heard.systemText, /<transcript>/, 'the agent was asked for the transcript');
  assert.equal(heard.lastUserText, '', 'no "(The user sent a voice…)" note stands in for the words');
  assert.equal(tg.botMessages(USER).length, 1, 'one message: transcript and answer together');
  assertNoRawMarker();

  // The next turn's model sees the transcript as what the user said, and the answer without the marker.
  tg.sendUserMessage({ chatId: USER, text: 'thanks' });
  await tg.waitForBotMessage(USER, (m) => /welcome/.test(m.text), { timeoutMs: 20_000 });
  const router = gemini.requests.filter((r) => roleOf(r) === 'router').at(-1);
  assert.ok(router, 'the text turn went to the router');
  const history = contentsText(router.contents);
  assert.match(history, /Remind me to buy oat milk & <b>eggs<\/b>/);
  assert.doesNotMatch(history, /<\/?transcript>|attachment: audio/);
  assert.deepEqual(unmatched, []);
});

test('"Hide voice transcripts" in /settings: the answer comes alone, still one model call, and memory still keeps the words', async () => {
  tg.sendUserMessage({ chatId: USER, text: '/settings' });
  const settings = await tg.waitForBotMessage(USER, (m) => /Settings/.test(m.text), { timeoutMs: 20_000 });
  assert.match(settings.text, /Voice transcripts: on/);
  const hide = buttonsOf(settings).find((b) => b.text === '🎙 Hide voice transcripts');
  assert.ok(hide, `a "Hide voice transcripts" button: ${JSON.stringify(buttonsOf(settings))}`);
  tg.pressButton({ chatId: USER, messageId: settings.messageId, data: hide.data });
  await tg.waitForBotMessage(USER, (m) => /won't show what I heard/.test(m.text), { timeoutMs: 20_000, since: 'any' });
  // A second tap on the same (old) button keeps it off instead of switching back.
  tg.pressButton({ chatId: USER, messageId: settings.messageId, data: hide.data });
  await tg.waitFor(
    () => tg.callbackAnswers().filter((a) => a.text === 'Voice transcripts off').length === 2 || undefined,
    {
      label: 'second tap answered',
    },
  );

  const draftsBefore = tg.drafts(USER).length;
  const { reply, calls } = await voice('voice-2');
  assert.equal(reply.text, 'Noted: call the dentist on Monday.');
  assert.equal(calls.length, 1);
  assert.ok(!tg.botMessages(USER).some((m) => m.text.includes('🎙 “I need')), 'no transcript line anywhere');
  assert.ok(
    !tg
      .drafts(USER)
      .slice(draftsBefore)
      .some((d) => d.text.includes('🎙')),
    'no draft showed the transcript',
  );
  assertNoRawMarker();

  tg.sendUserMessage({ chatId: USER, text: '/settings' });
  const again = await tg.waitForBotMessage(USER, (m) => /Settings/.test(m.text), { timeoutMs: 20_000 });
  assert.match(again.text, /Voice transcripts: off/);
  assert.ok(buttonsOf(again).some((b) => b.text === '🎙 Show voice transcripts'));

  await bot?.kill('SIGTERM');
  assert.deepEqual(await storedUserTexts(), [
    'Remind me to buy oat milk & <b>eggs</b>',
    'thanks',
    'I need to call the dentist on Monday',
  ]);
  assert.deepEqual(unmatched, []);
});
