/**
 * The real entry point (src/main.ts in a child process) at the default LOG_LEVEL=info never writes what the user
 * said, what they answered to a question, or the assistant's answer into its log: a chat turn and a paused
 * question answered by text, then a clean stop, and every output line is searched for the phrases.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { botEnv, type ChildBot, startBot } from '../support/child-bot.ts';
import { createFakeGemini, type FakeGemini } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram } from '../support/fake-telegram.ts';
import { tempDbUrl } from '../support/temp-db.ts';
import { lastFunctionResponses, roleOf } from '../e2e/acceptance-support.ts';

const USER = 8301;
const SAID = 'Tangerine Obelisk 4410';
const ANSWERED = 'Periwinkle Harbor 2299';
const REPLIED = 'Saffron Glacier 8833';

let tg: FakeTelegram;
let gemini: FakeGemini;
let db: ReturnType<typeof tempDbUrl>;
let bot: ChildBot | undefined;

before(async () => {
  tg = await createFakeTelegram();
  gemini = await createFakeGemini();
  db = tempDbUrl('privacy-logs');
  gemini.setHandler((req) => {
    if (req.kind === 'embed') return undefined;
    const role = roleOf(req);
    if (role === 'extraction') return { text: '[]' };
    if (role === 'router') {
      if (/ask me/i.test(req.lastUserText))
        return { functionCalls: [{ name: 'agent_planner', args: { task: req.lastUserText } }] };
      return { text: `${REPLIED}, since you mention it.` };
    }
    if (role === 'planner') {
      const [fr] = lastFunctionResponses(req);
      if (fr) return { text: `${REPLIED}: you chose ${String(fr.response.answer ?? '')}.` };
      return {
        functionCalls: [
          { name: 'ask_user', args: { question: `Which ${SAID} do you mean?`, options: ['North', 'South'] } },
        ],
      };
    }
    return { text: 'ok' };
  });
  bot = await startBot({
    env: botEnv(tg, gemini, db.url, { ALLOWED_USER_IDS: String(USER), PORT: '0', LOG_LEVEL: 'info' }),
  });
});

after(async () => {
  if (bot && !bot.hasExited()) await bot.kill('SIGKILL');
  await tg?.close();
  await gemini?.close();
  await db?.cleanup();
});

test('no message, answer or reply text in the info-level log', async () => {
  tg.sendUserMessage({ chatId: USER, userId: USER, text: `What is the ${SAID}?` });
  await tg.waitForBotMessage(USER, (m) => m.text.includes(REPLIED), { timeoutMs: 20_000 });

  tg.sendUserMessage({ chatId: USER, userId: USER, text: `Ask me which ${SAID} I mean.` });
  await tg.waitForBotMessage(USER, (m) => m.text.includes('Which'), { timeoutMs: 20_000 });
  tg.sendUserMessage({ chatId: USER, userId: USER, text: ANSWERED });
  await tg.waitForBotMessage(USER, (m) => m.text.includes(`you chose ${ANSWERED}`), {
    timeoutMs: 20_000,
    since: 'any',
  });

  assert.ok(bot, 'the bot runs');
  const exit = await bot.kill('SIGTERM');
  assert.equal(exit.code, 0);
  const lines = bot.logs();
  assert.ok(
    lines.some((l) => l.includes('run event question_answered')),
    'the run events are logged (without their data)',
  );
  for (const phrase of ['Tangerine', 'Periwinkle', 'Saffron']) {
    assert.deepEqual(
      lines.filter((l) => l.includes(phrase)),
      [],
      `"${phrase}" appears in the log`,
    );
  }
});
