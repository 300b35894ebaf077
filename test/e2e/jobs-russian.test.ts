/**
 * Issue 12, point 9 for the scheduler and /jobs, through the whole app (src/app.ts wired as main.ts wires it) against
 * the fake Bot API and fake Gemini: a user whose Telegram language is Russian sets a reminder and sees the Russian
 * card, /jobs in Russian, and the Russian fired reminder with Russian buttons. English users keep the English texts
 * (the other e2e and scheduler tests read them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FakeGemini, type RecordedRequest, type Reply, createFakeGemini } from '../support/fake-gemini.ts';
import { type FakeTelegram, type TranscriptEntry, createFakeTelegram } from '../support/fake-telegram.ts';
import { type WholeApp, startWholeApp } from '../support/whole-app.ts';
import { buttonsOf, lastFunctionResponses, roleOf } from './acceptance-support.ts';

const IVAN = 7501;

let tg: FakeTelegram;
let gemini: FakeGemini;
let app: WholeApp;

/** The router hands reminders to the planner; the planner creates one "in 10 minutes". */
function route(req: RecordedRequest): Reply | undefined {
  const role = roleOf(req);
  const responses = lastFunctionResponses(req);
  if (role === 'extraction') return { text: '[]' };
  if (role === 'summary') return { text: 'summary' };
  if (role === 'router') {
    if (responses.length > 0) return { text: 'Готово.' };
    return { functionCalls: [{ name: 'agent_planner', args: { task: req.lastUserText } }] };
  }
  if (role === 'planner') {
    if (responses.length === 0)
      return {
        functionCalls: [{ name: 'schedule_create', args: { text: 'позвонить маме', when: { in: { minutes: 10 } } } }],
      };
    return { text: 'Напомню через 10 минут.' };
  }
  return undefined;
}

const buttonTexts = (m: TranscriptEntry | undefined) => buttonsOf(m).map((b) => b.text);
const lastMessageId = (chatId: number) => tg.transcript(chatId).at(-1)?.messageId ?? 0;

async function press(m: TranscriptEntry, text: string) {
  const b = buttonsOf(m).find((x) => x.text === text);
  assert.ok(b, `a "${text}" button on: ${m.text} ${JSON.stringify(buttonsOf(m))}`);
  const update = tg.pressButton({
    chatId: IVAN,
    messageId: m.messageId,
    data: b.data,
    userId: IVAN,
    languageCode: 'ru',
  });
  const id = update.callback_query!.id;
  return tg.waitFor(() => tg.callbackAnswers().find((a) => a.callbackQueryId === id), { label: `answer to ${text}` });
}

const current = (m: TranscriptEntry) => tg.transcript(IVAN).find((e) => e.messageId === m.messageId)!;

describe('the scheduler and /jobs speak Russian to a Russian user (issue 12, point 9)', () => {
  before(async () => {
    tg = await createFakeTelegram();
    gemini = await createFakeGemini();
    gemini.setHandler((req) => route(req) ?? { text: 'UNSCRIPTED' });
    app = await startWholeApp({ tg, gemini, allowedUserIds: [IVAN] });
  });
  after(async () => {
    await app?.close();
    await tg?.close();
    await gemini?.close();
  });

  it('the reminder card, /jobs and the fired reminder are in Russian', async () => {
    let since = lastMessageId(IVAN);
    tg.sendUserMessage({
      chatId: IVAN,
      firstName: 'Иван',
      languageCode: 'ru',
      text: 'Напомни через 10 минут позвонить маме',
    });
    const card = await tg.waitForBotMessage(IVAN, (m) => m.text.includes('позвонить маме'), {
      timeoutMs: 20_000,
      since,
    });
    assert.match(card.text, /^⏰ Напоминание на .+, \d\d:\d\d \(UTC\), через 10 мин: “позвонить маме”$/, card.text);
    assert.deepEqual(buttonTexts(card), ['✖️ Отменить напоминание']);

    since = lastMessageId(IVAN);
    tg.sendUserMessage({ chatId: IVAN, languageCode: 'ru', text: '/jobs' });
    const list = await tg.waitForBotMessage(IVAN, (m) => m.text.startsWith('Ваши'), { timeoutMs: 10_000, since });
    assert.match(
      list.text,
      /^Ваши напоминания и задачи здесь \(1\):\n\n⏰ Позвонить маме — (сегодня|завтра) \d\d:\d\d$/,
    );
    const titleButton = buttonsOf(list).find((b) => b.data.startsWith('job:v:'));
    assert.ok(titleButton);
    assert.deepEqual(buttonTexts(list).slice(1), ['⏸ Пауза', '🕑 Изменить время', '🗑 Удалить']);

    await press(list, titleButton.text);
    const details = await tg.waitFor(() => (current(list).text.includes('Когда:') ? current(list) : undefined), {
      label: 'details in Russian',
    });
    assert.match(details.text, /^⏰ Позвонить маме\nКогда: .+, \d\d:\d\d \(UTC\)$/);
    assert.deepEqual(buttonTexts(details).slice(3), ['⚡ Запустить сейчас', '« Все задачи']);

    since = lastMessageId(IVAN);
    const toast = await press(details, '⚡ Запустить сейчас');
    assert.equal(toast.text, 'Запускаю…');
    const fired = await tg.waitForBotMessage(IVAN, (m) => m.text === '⏰ позвонить маме', { timeoutMs: 10_000, since });
    assert.deepEqual(buttonTexts(fired), ['💤 Отложить на 10 мин', '💤 Отложить на час', '💤 Завтра', '✅ Готово']);

    const snoozed = await press(fired, '💤 Отложить на 10 мин');
    assert.match(String(snoozed.text), /^Отложено до .+, \d\d:\d\d\.$/);

    // "Change time" in Russian: Russian examples, a time typed in Russian, and the answer in Russian.
    since = lastMessageId(IVAN);
    tg.sendUserMessage({ chatId: IVAN, languageCode: 'ru', text: '/jobs' });
    const again = await tg.waitForBotMessage(IVAN, (m) => m.text.startsWith('Ваши'), { timeoutMs: 10_000, since });
    since = lastMessageId(IVAN);
    await press(again, '🕑 Изменить время');
    const ask = await tg.waitForBotMessage(IVAN, (m) => m.text.startsWith('🕑 Когда выполнять'), {
      timeoutMs: 10_000,
      since,
    });
    assert.match(ask.text, /например: 18:30 · через 20 минут/);
    since = lastMessageId(IVAN);
    tg.sendUserMessage({ chatId: IVAN, languageCode: 'ru', text: 'завтра в 9:00' });
    const changed = await tg.waitForBotMessage(IVAN, (m) => m.text.startsWith('✅'), { timeoutMs: 10_000, since });
    assert.match(changed.text, /^✅ «Позвонить маме» теперь: завтра 09:00\.$/);
  });
});
