/**
 * The chat guide's screens (docs/chat-guide.md), each a short user journey through the real entry point (src/main.ts
 * as a child process) with a scripted Gemini. Each test asserts the few stable words that make its screen what it is
 * (all in EXPECT below), and with WRITE_CHAT_GUIDE=1 writes the rendered transcript for scripts/chat-guide.ts.
 *
 * Two bots: one in owner mode (pairing code; first contact, a stranger, a group) and one with an allowlist (everyday
 * use). The reminder is set first, in its own chat, and checked last, so its one-minute wait overlaps the rest.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AGENT_MODEL,
  ROUTER_MODEL,
  type Rule,
  delegate,
  lastFunctionResponses,
  roleOf,
} from '../e2e/acceptance-support.ts';
import type { RecordedRequest } from '../support/fake-gemini.ts';
import { DEFAULT_BOT_USERNAME } from '../support/fake-telegram.ts';
import {
  type ChatMark,
  type ChildGuide,
  GUIDE_ZONE,
  type Person,
  WAIT_MS,
  anything,
  assertScreen,
  backgroundRule,
  button,
  saying,
  startChildGuide,
  withButton,
  writeScreen,
} from './guide-kit.ts';
import type { ScreenId } from './screens.ts';

const OLGA: Person = { id: 5101, firstName: 'Olga' };
const SAM: Person = { id: 5202, firstName: 'Sam' };
const ALEX: Person = { id: 5303, firstName: 'Alex' };
const BEN: Person = { id: 5404, firstName: 'Ben' };
const NINA: Person = { id: 5505, firstName: 'Нина', languageCode: 'ru' };
const GROUP = { chatId: -1005505, chatType: 'supergroup' as const, chatTitle: 'Family' };
const MENTION = `@${DEFAULT_BOT_USERNAME}`;
const NO_MARK: ChatMark = { messageId: 0, presses: 0 };

/**
 * What each screen must show: the stable words and structure only. When another change rewords a screen, adjust its
 * line here (and only here). Buttons and taps are matched loosely: "[…]" is any button row, "tap [" any tap.
 */
const EXPECT = {
  'first-contact': [
    /👤 You: Hi\n🤖 Bot: .*pairing code/s,
    /👤 You: \/start K7QX3-M9PRT/,
    /time zone/i,
    /👤 You tap \[[^\]]*Berlin/,
    /Europe\/Berlin/,
  ],
  language: [/👤 You: \/start\n🤖 Bot: [^👤]*Нина[^👤]*часов/u, /👤 You tap \[[^\]]*Берлин/u, /Europe\/Berlin/],
  help: [/👤 You: \/help/, /\/jobs/, /\/memory/, /\/why/],
  question: [/👤 You: How long should I boil an egg\?/, /\*Soft-boiled:\*/, /minutes/],
  voice: [/👤 You: 🎤 \(voice message\)/, /picnic/],
  'reminder-set': [/👤 You: Remind me in 1 minute to stretch/, /stretch/, /\[.+\]/],
  jobs: [/👤 You: \/jobs/, /stretch/i, /\[.+\]/],
  'reminder-fires': [/🤖 Bot: .*stretch/, /👤 You tap \[/],
  memory: [/👤 You: Please remember that I'm vegetarian/, /👤 You: \/memory\n🤖 Bot: [^👤]*vegetarian/u],
  why: [/👤 You: What should I cook for dinner tonight\?/, /risotto/, /👤 You: \/why\n🤖 Bot: [^👤]*vegetarian/u],
  retry: [/👤 You: Tell me a joke/, /Retry/i, /👤 You tap \[[^\]]*Retry/i, /crack each other up/],
  stranger: {
    stranger: [/👤 You: Hi! Can you help me plan a trip\?/, /owner/i],
    owner: [/Sam/, /👤 You tap \[/],
  },
  group: {
    group: [
      /👤 Olga: Dinner at 7 tonight\?\n👤 Olga: @assistant_test_bot/,
      /al dente/,
      /👤 Alex: @assistant_test_bot/,
      /welcome/i,
    ],
    // Today a stranger's mention in a group is dropped silently (issue 12, point 6): nothing is asked of the owner yet.
    owner: [],
  },
} satisfies Partial<Record<ScreenId, RegExp[] | Record<string, RegExp[]>>>;

/** Fails on the first call while `failing` is set (a Gemini outage), for the Retry screen. */
let failing = false;

const EGG = '**Soft-boiled:** 6 minutes\n**Hard-boiled:** 9–10 minutes\n\nStart timing once the water is boiling.';
const JOKE = "Why don't eggs tell jokes? They'd crack each other up. 🥚";

/** Gemini as the guide's scenarios need it: the router answers small things itself and hands the rest on. */
const rules: Rule[] = [
  backgroundRule,
  delegate(/remind me|remember that/i, 'planner'),
  delegate(/cook for dinner/i, 'assistant'),
  (req) => {
    if (req.model !== ROUTER_MODEL || roleOf(req) !== 'router') return undefined;
    const text = req.lastUserText;
    if (/boil an egg/i.test(text)) return { text: EGG };
    if (/joke/i.test(text)) return failing ? { error: { status: 503 } } : { text: JOKE };
    if (/pasta/i.test(text))
      return { text: 'Most dried pasta is al dente after 9–11 minutes; taste it a minute before the packet says.' };
    if (/^thanks/i.test(text)) return { text: "You're welcome! 😊" };
    return undefined;
  },
  (req) => {
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'planner') return undefined;
    const [done] = lastFunctionResponses(req);
    if (!done) {
      if (/remind me in 1 minute to stretch/i.test(req.lastUserText))
        return {
          functionCalls: [
            { name: 'schedule_create', args: { kind: 'reminder', text: 'stretch', when: { in: { minutes: 1 } } } },
          ],
        };
      if (/remember that I'm vegetarian/i.test(req.lastUserText))
        return { functionCalls: [{ name: 'remember', args: { fact: 'User is vegetarian', category: 'preference' } }] };
      return undefined;
    }
    if (done.name === 'schedule_create')
      return { text: `Done — I'll remind you to stretch at ${String(done.response.resolved_local_time)}.` };
    if (done.name === 'remember') return { text: "Got it — I'll remember that you're vegetarian." };
    return undefined;
  },
  (req) => {
    // A voice message goes straight to the assistant with the audio inline; the fake can't listen, so it checks it got it.
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'assistant' || !hasInline(req, 'audio/ogg')) return undefined;
    return { text: 'For a picnic, pack a blanket, water, sandwiches, some fruit and sun cream. 🧺' };
  },
  (req) => {
    if (req.model !== AGENT_MODEL || roleOf(req) !== 'assistant' || !/cook for dinner/i.test(req.lastUserText))
      return undefined;
    // The answer depends on what the request told the model, as Gemini's would.
    return /vegetarian/.test(req.systemText)
      ? { text: 'How about a mushroom risotto? It’s vegetarian and ready in about 30 minutes.' }
      : { text: 'How about grilled chicken with roast vegetables?' };
  },
];

function hasInline(req: RecordedRequest, mimeType: string): boolean {
  return req.contents.some((c) => (c.parts ?? []).some((p) => p.inlineData?.mimeType === mimeType));
}

function check(id: ScreenId, text: string, patterns: readonly RegExp[]): void {
  assertScreen(id, text, patterns);
}

describe('owner mode: first contact, a stranger, a group', () => {
  let g: ChildGuide;
  before(async () => {
    g = await startChildGuide({ rules });
  });
  after(async () => {
    await g?.close();
  });

  test('first contact: the pairing code makes Olga the owner, and /start asks for her time zone', async () => {
    await g.say(OLGA, 'Hi', anything);
    const code = await g.pairingCode();
    const question = await g.say(OLGA, `/start ${code}`, withButton(/Berlin/));
    await g.tap(OLGA, OLGA.id, question.messageId, button(/Berlin/));
    await g.tg.waitForBotMessage(OLGA.id, saying(new RegExp(GUIDE_ZONE)), {
      since: question.messageId,
      timeoutMs: WAIT_MS,
    });
    await g.quiet();
    const text = g.render(OLGA.id);
    check('first-contact', text, EXPECT['first-contact']);
    writeScreen('first-contact', [{ transcript: text }]);
  });

  test('a stranger writes: they are told the owner decides, and the owner approves with one tap', async () => {
    const ownerFrom = g.mark(OLGA.id);
    const notice = await g.say(SAM, 'Hi! Can you help me plan a trip?', anything);
    const prompt = await g.tg.waitForBotMessage(OLGA.id, withButton(/approve|sys:acc:y/i), {
      since: ownerFrom.messageId,
      timeoutMs: WAIT_MS,
    });
    await g.tap(OLGA, OLGA.id, prompt.messageId, button(/approve|sys:acc:y/i));
    await g.tg.waitForBotMessage(SAM.id, anything, { since: notice.messageId, timeoutMs: WAIT_MS });
    await g.quiet();
    const stranger = g.render(SAM.id);
    const owner = g.render(OLGA.id, ownerFrom);
    check('stranger', stranger, EXPECT.stranger.stranger);
    check('stranger', owner, EXPECT.stranger.owner);
    writeScreen('stranger', [
      { heading: 'Sam writes to the bot', transcript: stranger },
      { heading: 'Meanwhile, in the owner’s chat', transcript: owner },
    ]);
  });

  test('in a group: chatter is ignored, a mention is answered; a stranger’s mention', async () => {
    const ownerFrom = g.mark(OLGA.id);
    g.tg.sendUserMessage({ ...GROUP, userId: OLGA.id, firstName: OLGA.firstName, text: 'Dinner at 7 tonight?' });
    await g.say(OLGA, `${MENTION} how long should pasta cook?`, saying(/al dente/), GROUP);
    g.tg.sendUserMessage({
      ...GROUP,
      userId: ALEX.id,
      firstName: ALEX.firstName,
      text: `${MENTION} can you help me too?`,
    });
    // Updates of one chat are handled in order: once this is answered, Alex's mention has been handled too.
    await g.say(OLGA, `${MENTION} thanks!`, saying(/welcome/i), GROUP);
    await g.quiet();
    const group = g.render(GROUP.chatId);
    const owner = g.render(OLGA.id, ownerFrom);
    check('group', group, EXPECT.group.group);
    check('group', owner, EXPECT.group.owner);
    writeScreen('group', [
      { heading: 'The “Family” group', transcript: group },
      ...(owner ? [{ heading: 'The owner’s chat', transcript: owner }] : []),
    ]);
    assert.deepEqual(
      g.unmatched.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
      [],
      'every model request was scripted',
    );
  });
});

describe('everyday use', () => {
  let g: ChildGuide;
  const reminder: Record<'from' | 'jobsFrom' | 'firesFrom', ChatMark> = {
    from: NO_MARK,
    jobsFrom: NO_MARK,
    firesFrom: NO_MARK,
  };
  before(async () => {
    g = await startChildGuide({ rules, allowed: [OLGA.id, BEN.id, NINA.id], env: { DEFAULT_TIMEZONE: GUIDE_ZONE } });
    // Texts about food count as one concept in the fake's embeddings, so "dinner" brings up "vegetarian".
    g.gemini.setEmbeddingConcepts([['vegetarian', 'cook', 'dinner']]);
  });
  after(async () => {
    await g?.close();
  });

  test('setting a reminder (Ben’s chat; it fires in the last test)', async () => {
    reminder.from = g.mark(BEN.id);
    await g.say(BEN, 'Remind me in 1 minute to stretch', saying(/stretch/));
    await g.quiet();
    const text = g.render(BEN.id, reminder.from);
    check('reminder-set', text, EXPECT['reminder-set']);
    writeScreen('reminder-set', [{ transcript: text }]);
  });

  test('/jobs lists the reminder', async () => {
    reminder.jobsFrom = g.mark(BEN.id);
    await g.say(BEN, '/jobs', saying(/stretch/i));
    await g.quiet();
    reminder.firesFrom = g.mark(BEN.id);
    const text = g.render(BEN.id, reminder.jobsFrom);
    check('jobs', text, EXPECT.jobs);
    writeScreen('jobs', [{ transcript: text }]);
  });

  test('a Russian Telegram user gets the bot in Russian', async () => {
    const from = g.mark(NINA.id);
    const ask = await g.say(NINA, '/start', saying(/часов/u));
    await g.tap(NINA, NINA.id, ask.messageId, (b) => /Берлин/u.test(b.text));
    await g.quiet();
    const text = g.render(NINA.id, from);
    check('language', text, EXPECT.language);
    writeScreen('language', [{ transcript: text }]);
  });

  test('/help', async () => {
    const from = g.mark(OLGA.id);
    await g.say(OLGA, '/help', saying(/\/jobs/));
    await g.quiet();
    const text = g.render(OLGA.id, from);
    check('help', text, EXPECT.help);
    writeScreen('help', [{ transcript: text }]);
  });

  test('a plain question is answered with formatting', async () => {
    const from = g.mark(OLGA.id);
    await g.say(OLGA, 'How long should I boil an egg?', saying(/Soft-boiled/));
    await g.quiet();
    const text = g.render(OLGA.id, from);
    check('question', text, EXPECT.question);
    writeScreen('question', [{ transcript: text }]);
  });

  test('a voice message is answered', async () => {
    const from = g.mark(OLGA.id);
    const audio = Buffer.from('OggS… "what should I pack for a picnic?"');
    const fileId = g.tg.addFile(audio, { mimeType: 'audio/ogg' });
    g.tg.sendUserMessage({
      chatId: OLGA.id,
      userId: OLGA.id,
      firstName: OLGA.firstName,
      voice: { fileId, duration: 3, fileSize: audio.length },
    });
    await g.tg.waitForBotMessage(OLGA.id, saying(/picnic/), { timeoutMs: WAIT_MS });
    await g.quiet();
    const text = g.render(OLGA.id, from);
    check('voice', text, EXPECT.voice);
    writeScreen('voice', [{ transcript: text }]);
  });

  test('something remembered shows in /memory', async () => {
    const from = g.mark(OLGA.id);
    await g.say(OLGA, "Please remember that I'm vegetarian", saying(/vegetarian/));
    await g.say(OLGA, '/memory', saying(/vegetarian/));
    await g.quiet();
    const text = g.render(OLGA.id, from);
    check('memory', text, EXPECT.memory);
    writeScreen('memory', [{ transcript: text }]);
  });

  test('/why names the fact the last answer used', async () => {
    const from = g.mark(OLGA.id);
    await g.say(OLGA, 'What should I cook for dinner tonight?', saying(/risotto/));
    await g.say(OLGA, '/why', saying(/vegetarian/));
    await g.quiet();
    const text = g.render(OLGA.id, from);
    check('why', text, EXPECT.why);
    writeScreen('why', [{ transcript: text }]);
  });

  test('an error says what to do, and Retry answers the message', async () => {
    const from = g.mark(OLGA.id);
    failing = true;
    const failed = await g.say(OLGA, 'Tell me a joke', withButton(/retry/i));
    failing = false;
    await g.tap(OLGA, OLGA.id, failed.messageId, button(/retry/i));
    await g.tg.waitForBotMessage(OLGA.id, saying(/crack each other up/), {
      since: failed.messageId,
      timeoutMs: WAIT_MS,
    });
    await g.quiet();
    const text = g.render(OLGA.id, from);
    check('retry', text, EXPECT.retry);
    writeScreen('retry', [{ transcript: text }]);
  });

  test('the reminder fires a minute later, and Done closes it', async () => {
    const fired = await g.tg.waitForBotMessage(BEN.id, saying(/stretch/), {
      since: reminder.firesFrom.messageId,
      timeoutMs: 120_000,
    });
    await g.tap(BEN, BEN.id, fired.messageId, button(/done|^rem:d:/i));
    await g.quiet();
    const text = g.render(BEN.id, reminder.firesFrom);
    check('reminder-fires', text, EXPECT['reminder-fires']);
    writeScreen('reminder-fires', [{ transcript: text }]);
    assert.deepEqual(
      g.unmatched.map((r) => `${roleOf(r)}: ${r.lastUserText}`),
      [],
      'every model request was scripted',
    );
  });
});
