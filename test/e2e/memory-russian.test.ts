/**
 * Issue 12 point 9 (memory part) through the whole app (src/app.ts wired as main.ts wires it, in-process, fake Bot
 * API and Gemini): a user whose Telegram app is in Russian gets /memory, its buttons and toasts, /forget and /why in
 * Russian; another user in the same bot still gets English.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFakeGemini, type FakeGemini, type RecordedRequest } from '../support/fake-gemini.ts';
import { createFakeTelegram, type FakeTelegram, type TranscriptEntry } from '../support/fake-telegram.ts';
import { startWholeApp, type WholeApp } from '../support/whole-app.ts';
import { buttonsOf, dispatcher, lastFunctionResponses, type Rule, roleOf } from './acceptance-support.ts';

const RU = 7601;
const EN = 7602;

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;
const unmatched: RecordedRequest[] = [];

const rules: Rule[] = [
  (req) => (roleOf(req) === 'extraction' ? { text: '[]' } : undefined),
  (req) => (roleOf(req) === 'summary' ? { text: 'summary' } : undefined),
  (req) => {
    if (roleOf(req) !== 'router' || lastFunctionResponses(req).length > 0) return undefined;
    if (/запомни|remember/i.test(req.lastUserText))
      return { functionCalls: [{ name: 'agent_planner', args: { task: req.lastUserText } }] };
    return { text: 'ok' };
  },
  (req) => (roleOf(req) === 'router' ? { text: 'Готово.' } : undefined),
  (req) => {
    if (roleOf(req) !== 'planner') return undefined;
    if (lastFunctionResponses(req).some((r) => r.name === 'remember')) return { text: 'Saved.' };
    return { functionCalls: [{ name: 'remember', args: { fact: 'User works as a nurse', category: 'work' } }] };
  },
];

async function say(user: number, text: string, expected: RegExp, languageCode?: string): Promise<TranscriptEntry> {
  tg.sendUserMessage({ chatId: user, text, ...(languageCode ? { languageCode } : {}) });
  return tg.waitForBotMessage(user, (m) => expected.test(m.text), { timeoutMs: 20_000 });
}

async function tap(user: number, message: TranscriptEntry, data: string): Promise<string | undefined> {
  const before = tg.callbackAnswers().length;
  tg.pressButton({ chatId: user, messageId: message.messageId, data, userId: user, languageCode: 'ru' });
  const answer = await tg.waitFor(() => tg.callbackAnswers()[before], {
    timeoutMs: 10_000,
    label: `answer to ${data}`,
  });
  return answer.text;
}

describe('memory texts in the user’s language (whole app)', () => {
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler(dispatcher(rules, unmatched));
    app = await startWholeApp({ tg, gemini, allowedUserIds: [RU, EN] });
  });

  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('a Russian user sees an empty /memory in Russian, an English user in English', async () => {
    const ru = await say(RU, '/memory', /./, 'ru');
    assert.equal(
      ru.text,
      'В этом чате я пока ничего о вас не помню.\nСкажите, например: «запомни, что я вегетарианец», и я это сохраню.',
    );
    const en = await say(EN, '/memory', /./, 'en');
    assert.match(en.text, /^I don’t remember anything about you in this chat yet\./);
  });

  it('/memory lists facts with Russian header, buttons and toasts', async () => {
    await say(RU, 'запомни, что я работаю медсестрой', /Готово|Saved/, 'ru');
    const list = await say(RU, '/memory', /Что я помню о вас/, 'ru');
    assert.match(list.text, /^🧠 Что я помню о вас здесь \(1\):$/m);
    assert.match(list.text, /^1\. You work as a nurse$/m, 'the fact itself is shown as stored content');
    assert.match(list.text, /Нажмите 🗑 Забыть с номером/);
    const [forget] = buttonsOf(list);
    assert.equal(forget?.text, '🗑 Забыть 1');
    assert.equal(await tap(RU, list, forget?.data ?? ''), 'Забыто. Нажмите ↩️ Вернуть, если передумали.');
    const redrawn = await tg.waitFor(
      () => tg.transcript(RU).find((m) => m.messageId === list.messageId && m.edits > 0),
      { timeoutMs: 10_000, label: 'redrawn list' },
    );
    assert.match(redrawn.text, /1\. .*забыто/);
    const undo = buttonsOf(redrawn).find((b) => b.text === '↩️ Вернуть 1');
    assert.ok(undo, JSON.stringify(buttonsOf(redrawn)));
    assert.equal(await tap(RU, redrawn, undo.data), 'Вернул. Я снова это помню.');
  });

  it('/why explains the last answer in Russian, with a Russian Details button', async () => {
    await say(RU, 'запомни, что я работаю медсестрой', /Готово|Saved/, 'ru');
    const why = await say(RU, '/why', /Я /, 'ru');
    assert.match(why.text, /Я запомнил о вас что-то новое\./, why.text);
    assert.doesNotMatch(why.text, /\bI (used|looked|saved)\b/);
    const [details] = buttonsOf(why);
    assert.equal(details?.text, '🔎 Подробности');
    const en = await say(EN, '/why', /./, 'en');
    assert.equal(en.text, 'I haven’t answered anything for you in this chat yet.');
  });

  it('/forget answers in Russian', async () => {
    const none = await say(RU, '/forget кошка', /кошка/, 'ru');
    assert.equal(
      none.text,
      'Я не нашёл ничего похожего на «кошка». Отправьте /memory, чтобы увидеть всё, что я помню.',
    );
    assert.deepEqual(unmatched, []);
  });
});
