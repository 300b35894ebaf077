/**
 * Issue 12 points 2, 4 and 8 (memory part) through the real entry point (src/main.ts in a child process), reading
 * the transcript the user sees:
 * - /memory shows facts as sentences about "you"; 🗑 forgets at once and the list keeps its places, so a double tap
 *   on the same spot never forgets a second fact; ↩️ Undo brings the fact back; /forget works the same way;
 * - /why says in sentences which fact the last answer used and which action ran (a tool in a normal turn), and the
 *   raw view is behind "🔎 Details";
 * - /settings says "Show what I’m doing while I work", not "Progress lines".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { botEnv, type ChildBot, startBot } from '../support/child-bot.ts';
import { createFakeGemini, type FakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  buttonsOf,
  delegate,
  dispatcher,
  lastFunctionResponses,
  roleOf,
} from './acceptance-support.ts';

const USER = 7401;
const FACTS = ['User works as a nurse', 'User lives in Lisbon', "User's dog is called Pixel"];

let tg: FakeTelegram;
let gemini: FakeGemini;
let db: ReturnType<typeof tempDbUrl>;
let bot: ChildBot | undefined;
const unmatched: RecordedRequest[] = [];

const rules: Rule[] = [
  (req) => (roleOf(req) === 'extraction' ? { text: '[]' } : undefined),
  (req) => (roleOf(req) === 'summary' ? { text: 'summary' } : undefined),
  delegate(/remember/i, 'planner'),
  delegate(/what time/i, 'assistant'),
  (req) => {
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'planner') return undefined;
    if (lastFunctionResponses(req).some((r) => r.name === 'remember')) return { text: 'Saved all three.' };
    return { functionCalls: FACTS.map((fact) => ({ name: 'remember', args: { fact, category: 'personal' } })) };
  },
  (req) => {
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'assistant') return undefined;
    if (lastFunctionResponses(req).some((r) => r.name === 'current_time'))
      return { text: 'Time to get ready for your night shift.' };
    return { functionCalls: [{ name: 'current_time', args: {} }] };
  },
  (req) => (req.model === ROUTER_MODEL && roleOf(req) === 'router' ? { text: 'ok' } : undefined),
];

async function say(text: string, expected: RegExp): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId: USER, text });
  return tg.waitForBotMessage(USER, (m) => expected.test(m.text), { timeoutMs: 20_000 });
}

/** Taps a button as the user and returns the toast Telegram shows for it. */
async function tap(message: TranscriptEntry, data: string): Promise<string | undefined> {
  const before = tg.callbackAnswers().length;
  tg.pressButton({ chatId: USER, messageId: message.messageId, data, userId: USER });
  const answer = await tg.waitFor(() => tg.callbackAnswers()[before], {
    timeoutMs: 10_000,
    label: `answer to ${data}`,
  });
  return answer.text;
}

/** The message as it is now, once it has been edited more than `edits` times. */
function edited(message: TranscriptEntry, edits: number): Promise<TranscriptEntry> {
  return tg.waitFor(
    () => {
      const now = tg.transcript(USER).find((m) => m.messageId === message.messageId);
      return now && now.edits > edits ? now : undefined;
    },
    { timeoutMs: 10_000, label: `edit ${edits + 1} of message ${message.messageId}` },
  );
}

/** The inline keyboard as rows of button texts. */
function rowsOf(message: TranscriptEntry): { text: string; data: string }[][] {
  const markup = message.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;
  return (markup?.inline_keyboard ?? []).map((row) => row.map((b) => ({ text: b.text, data: b.callback_data ?? '' })));
}

describe('memory: forget with Undo, plain facts, /why in plain language (real entry point)', () => {
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    db = tempDbUrl('e2e-memory-undo');
    gemini.setHandler(dispatcher(rules, unmatched));
    bot = await startBot({
      env: botEnv(tg, gemini, db.url, {
        ALLOWED_USER_IDS: String(USER),
        PORT: '0',
        GEMINI_ROUTER_MODEL: ROUTER_MODEL,
        GEMINI_MODEL: AGENT_MODEL,
      }),
    });
    await say('please remember that I work as a nurse, I live in Lisbon and my dog is called Pixel', /Saved all three/);
  });

  after(async () => {
    if (bot && !bot.hasExited()) await bot.kill('SIGKILL');
    await tg?.close();
    await gemini?.close();
    await db?.cleanup();
  });

  it('/memory reads as plain sentences about you: no "User", no category tags', async () => {
    const list = await say('/memory', /What I remember about you/);
    assert.match(list.text, /What I remember about you here \(3\):/);
    for (const line of ['You work as a nurse', 'You live in Lisbon', 'Your dog is called Pixel']) {
      assert.match(list.text, new RegExp(`^\\d\\. ${line}$`, 'm'), line);
    }
    assert.doesNotMatch(list.text, /User|personal|— /, 'no third person, tags or dates');
    assert.deepEqual(
      buttonsOf(list).map((b) => b.text),
      ['🗑 Forget 1', '🗑 Forget 2', '🗑 Forget 3'],
    );
  });

  it('/settings names the progress setting in plain words', async () => {
    const settings = await say('/settings', /Settings/);
    assert.match(settings.text, /Show what I’m doing while I work: on/);
    assert.doesNotMatch(settings.text, /[Pp]rogress lines/);
    assert.ok(
      buttonsOf(settings).some((b) => b.text === '🛠 Stop showing what I’m doing'),
      JSON.stringify(buttonsOf(settings)),
    );
  });

  it('a double tap on 🗑 forgets one fact only: the list keeps its places and the second tap says "Already deleted"', async () => {
    const list = await say('/memory', /What I remember about you here \(3\)/);
    const first = rowsOf(list)[0]?.[0];
    assert.ok(first, 'a button in the first place');
    const firstLine = /^1\. (.+)$/m.exec(list.text)?.[1] ?? '';

    const toasts: (string | undefined)[] = [await tap(list, first.data)];
    const after1 = await edited(list, 0);
    // The second tap of a double tap lands on the same place of the keyboard as it is now...
    const samePlace = rowsOf(after1)[0]?.[0];
    assert.ok(samePlace, 'still a button in the first place');
    toasts.push(await tap(after1, samePlace.data));
    // ...or comes from the keyboard as it was before the edit.
    toasts.push(await tap(list, first.data));

    const fresh = await say('/memory', /What I remember about you/);
    assert.match(fresh.text, /here \(2\):/, 'exactly one fact was forgotten');
    assert.doesNotMatch(fresh.text, new RegExp(firstLine));
    assert.deepEqual(toasts, [
      'Forgotten. Tap ↩️ Undo if you didn’t mean it.',
      'Already deleted. Tap ↩️ Undo to bring it back.',
      'Already deleted. Tap ↩️ Undo to bring it back.',
    ]);
    const now = tg.transcript(USER).find((m) => m.messageId === list.messageId) as TranscriptEntry;
    assert.match(
      now.text,
      new RegExp(`^1\\. ${firstLine} — forgotten$`, 'm'),
      'the forgotten fact keeps its line, struck through',
    );
    assert.match(now.text, /^2\. You|^2\. Your/m, 'the others keep their numbers');
    assert.ok(
      now.entities.some((e) => e.type === 'strikethrough'),
      'struck through',
    );
    assert.deepEqual(
      buttonsOf(now).map((b) => b.text),
      ['✓ 1 forgotten', '🗑 Forget 2', '🗑 Forget 3', '↩️ Undo 1'],
    );
  });

  it('↩️ Undo brings the forgotten fact back in its place', async () => {
    const list = tg
      .transcript(USER)
      .filter((m) => m.from === 'bot' && buttonsOf(m).some((b) => b.text === '↩️ Undo 1'))
      .at(-1);
    assert.ok(list, 'the list with an Undo button');
    const undo = buttonsOf(list).find((b) => b.text === '↩️ Undo 1');
    assert.ok(undo);
    const edits = list.edits;
    assert.equal(await tap(list, undo.data), 'Brought back. I remember it again.');
    const back = await edited(list, edits);
    assert.doesNotMatch(back.text, /forgotten/);
    assert.deepEqual(
      buttonsOf(back).map((b) => b.text),
      ['🗑 Forget 1', '🗑 Forget 2', '🗑 Forget 3'],
    );
    assert.equal(await tap(back, undo.data), 'Already brought back.');
    const fresh = await say('/memory', /What I remember about you/);
    assert.match(fresh.text, /here \(3\):/);
  });

  it('/forget forgets at once with an Undo button instead of a confirmation step', async () => {
    const done = await say('/forget Lisbon', /Forgotten/);
    assert.equal(done.text, '🗑 Forgotten: You live in Lisbon\n\nChanged your mind? Tap ↩️ Undo within 5 minutes.');
    assert.deepEqual(
      buttonsOf(done).map((b) => b.text),
      ['↩️ Undo'],
    );
    assert.match((await say('/memory', /What I remember about you/)).text, /here \(2\):/);
    assert.equal(await tap(done, buttonsOf(done)[0]?.data ?? ''), 'Brought back.');
    const undone = await edited(done, 0);
    assert.equal(undone.text, '↩️ Undone. I remember again:\n• You live in Lisbon');
    assert.match((await say('/memory', /What I remember about you/)).text, /here \(3\):/);
  });

  it('/why says in sentences which fact the last answer used and which action ran; Details shows the raw view', async () => {
    await say('as a nurse who works nights, what time is it?', /night shift/);
    const why = await say('/why', /./);
    assert.equal(
      why.text,
      [
        'I used one thing I remember about you:',
        '• You work as a nurse',
        'I checked the current time.',
        '',
        'Send /memory to see or change what I remember.',
      ].join('\n'),
    );
    assert.deepEqual(
      buttonsOf(why).map((b) => b.text),
      ['🔎 Details'],
    );

    assert.equal(await tap(why, buttonsOf(why)[0]?.data ?? ''), undefined);
    const details = await edited(why, 0);
    assert.match(details.text, /^Details/);
    assert.match(details.text, /"tool": "current_time"/, 'the raw tool record');
    assert.match(details.text, /"text": "User works as a nurse"/, 'the fact as stored');
    assert.ok(
      details.entities.some((e) => e.type === 'pre'),
      'shown as code',
    );
    assert.deepEqual(
      buttonsOf(details).map((b) => b.text),
      ['◀ Back to the summary'],
    );
    await tap(details, buttonsOf(details)[0]?.data ?? '');
    const back = await edited(why, 1);
    assert.match(back.text, /^I used one thing I remember about you:/);
    assert.deepEqual(
      unmatched.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
      [],
      'every model request was scripted',
    );
  });
});
