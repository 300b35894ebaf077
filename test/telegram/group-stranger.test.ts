/**
 * Issue 12, point 6, in allowlist mode through the whole app: a member the bot does not serve who mentions it in a
 * group hears one short notice there (one a day per group), and never the "⏳" queued notice, even while another
 * member's turn is running.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { DEFAULT_BOT_USERNAME } from '../support/fake-telegram.ts';
import { realChat, startInbound } from './inbound-harness.ts';

const GROUP = -100_9310;
const OWNER = 9311;
const ANN = 9312;
const EVE = 9313;
const AT = `@${DEFAULT_BOT_USERNAME}`;

test('a stranger mentioning the bot behind a running turn gets the short notice once, and no "⏳"', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) =>
    req.kind === 'embed' ? undefined : { text: `re: ${req.lastUserText.slice(-12)}`, delayMs: 700 },
  );
  const h = await startInbound({
    allowedUserIds: [OWNER, ANN],
    chat: realChat(gemini),
    config: { queuedNoticeMs: 100 },
  });
  try {
    h.tg.sendUserMessage({ chatId: GROUP, userId: ANN, firstName: 'Ann', text: `${AT} first question` });
    await gemini.waitForRequests(1, { kind: 'generateOrStream' });
    const eve = h.tg.sendUserMessage({ chatId: GROUP, userId: EVE, firstName: 'Eve', text: `${AT} who are you?` });
    const notice = await h.tg.waitForBotMessage(GROUP, (m) => /private assistant/.test(m.text), { since: 'any' });
    assert.match(notice.text, /only help the people its owner has approved/);
    await h.tg.waitFor(() => h.tg.botMessages(GROUP).some((m) => m.text.startsWith('re:')), { timeoutMs: 8000 });

    h.tg.sendUserMessage({ chatId: GROUP, userId: EVE, firstName: 'Eve', text: `${AT} hello?` });
    h.tg.sendUserMessage({ chatId: GROUP, userId: ANN, firstName: 'Ann', text: '/help' });
    await h.tg.waitForBotMessage(GROUP, (m) => /What I can do/.test(m.text));
    await h.fe.dispatcher.idle();
    const said = h.tg.botMessages(GROUP);
    assert.equal(said.filter((m) => /private assistant/.test(m.text)).length, 1, 'one notice a day in this group');
    assert.deepEqual(
      said.filter((m) => /right after the current reply/.test(m.text)),
      [],
      'no queued notice for a stranger',
    );
    assert.ok(!said.some((m) => m.replyToMessageId === eve.message?.message_id && m.messageId !== notice.messageId));
    assert.ok(
      !gemini.generateCalls().some((r) => r.lastUserText.includes('who are you')),
      'the stranger never reached the model',
    );
  } finally {
    await h.close();
    await gemini.close();
  }
});
