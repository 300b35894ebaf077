import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RecordedRequest, createFakeGemini } from '../support/fake-gemini.ts';
import { realChat, startInbound } from '../telegram/inbound-harness.ts';

const USER = 515;
const ROUTER = 'gemini-2.5-flash-lite';

/** Whether the request's last turn carries a function response (the model is being told a tool's result). */
function afterTool(req: RecordedRequest): boolean {
  const last = req.contents.at(-1);
  return !!last?.parts?.some((p) => 'functionResponse' in p);
}

test('forget: the confirmation names the facts it would delete, and Forget deletes exactly those', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => {
    if (req.kind !== 'generate' && req.kind !== 'stream') return undefined;
    const planner = req.systemText.includes('reminders, scheduled tasks');
    if (req.model === ROUTER && !afterTool(req))
      return { functionCalls: [{ name: 'agent_planner', args: { task: req.lastUserText } }] };
    if (planner && afterTool(req)) return { text: 'Done.' };
    if (planner && req.lastUserText.includes('remember')) {
      return {
        functionCalls: [{ name: 'remember', args: { fact: 'User has a dog called Pixel', category: 'personal' } }],
      };
    }
    if (planner && req.lastUserText.includes('forget'))
      return { functionCalls: [{ name: 'forget', args: { query: 'dog called Pixel' } }] };
    return { text: 'ok' };
  });
  const h = await startInbound({ allowedUserIds: [USER], chat: realChat(gemini) });
  try {
    h.tg.sendUserMessage({ chatId: USER, text: 'please remember that my dog is called Pixel' });
    await h.tg.waitForBotMessage(USER, (m) => m.text === 'Done.');
    const saved = await h.store.query('SELECT id, text FROM memory_facts WHERE user_id = ?', [USER]);
    assert.equal(saved.length, 1, 'the fact was saved');

    h.tg.sendUserMessage({ chatId: USER, text: 'forget my dog' });
    // The user asked in their own words: a confirmation naming the fact, with the action's verbs.
    const prompt = await h.tg.waitForBotMessage(USER, (m) => /^Forget/.test(m.text));
    assert.equal(prompt.text, 'Forget “You have a dog called Pixel”?');
    const markup = prompt.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;
    const buttons = (markup?.inline_keyboard ?? []).flat();
    assert.deepEqual(
      buttons.map((b) => b.text),
      ['Forget', 'Keep', 'Details'],
    );
    const approve = buttons.find((b) => b.text === 'Forget');
    assert.ok(approve?.callback_data, `a Forget button: ${JSON.stringify(prompt.replyMarkup)}`);
    const kept = await h.store.query('SELECT id FROM memory_facts WHERE user_id = ?', [USER]);
    assert.equal(kept.length, 1, 'nothing is deleted before the click');

    h.tg.pressButton({ chatId: USER, messageId: prompt.messageId, data: approve.callback_data, userId: USER });
    await h.tg.waitFor(() => h.tg.botMessages(USER).filter((m) => m.text === 'Done.').length >= 2, { timeoutMs: 8000 });
    const left = await h.store.query('SELECT id FROM memory_facts WHERE user_id = ?', [USER]);
    assert.equal(left.length, 0, 'the previewed fact was deleted');
  } finally {
    await h.close();
    await gemini.close();
  }
});
