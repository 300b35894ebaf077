import assert from 'node:assert/strict';
import { test } from 'node:test';
import { telegramTexts } from '../../src/telegram/telegram-texts.ts';
import { toolStatus } from '../../src/telegram/tool-status.ts';
import { createFakeGemini } from '../support/fake-gemini.ts';
import { realChat, startInbound } from './inbound-harness.ts';

const RU = 601;
const EN = 602;

test('a Russian-speaking user gets the "queued" notice in Russian; an English one keeps the English text', async () => {
  const gemini = await createFakeGemini();
  gemini.setHandler((req) => (req.kind === 'embed' ? undefined : { text: 'done', delayMs: 600 }));
  const h = await startInbound({ allowedUserIds: [RU, EN], chat: realChat(gemini), config: { queuedNoticeMs: 150 } });
  try {
    h.tg.sendUserMessage({ chatId: RU, text: 'первый вопрос', languageCode: 'ru' });
    h.tg.sendUserMessage({ chatId: EN, text: 'first question', languageCode: 'en' });
    await gemini.waitForRequests(2, { kind: 'generateOrStream' });
    h.tg.sendUserMessage({ chatId: RU, text: 'второй вопрос', languageCode: 'ru' });
    h.tg.sendUserMessage({ chatId: EN, text: 'second question', languageCode: 'en' });
    const ru = await h.tg.waitForBotMessage(RU, (m) => m.text.startsWith('⏳'));
    const en = await h.tg.waitForBotMessage(EN, (m) => m.text.startsWith('⏳'));
    assert.equal(ru.text, '⏳ Принято. Займусь этим сразу после текущего ответа.');
    assert.equal(en.text, "⏳ Got it. I'll get to this right after the current reply.");
    await h.tg.waitFor(() => h.tg.botMessages(RU).filter((m) => m.text === 'done').length === 2, { timeoutMs: 5000 });
  } finally {
    await h.close();
    await gemini.close();
  }
});

test('tool status lines and the reply texts come in both languages, emoji kept', () => {
  assert.equal(toolStatus('web_search'), '🔎 Searching the web…');
  assert.equal(toolStatus('web_search', 'ru'), '🔎 Ищу в интернете…');
  assert.equal(toolStatus('agent_travel_planner', 'ru'), '🤝 Спрашиваю агента «travel planner»…');
  assert.equal(toolStatus('odd_tool', 'en'), '⚙️ Working (odd tool)…');
  const en = telegramTexts('en');
  const ru = telegramTexts('ru');
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    const a = en[key];
    const b = ru[key];
    if (typeof a === 'string' && typeof b === 'string') {
      assert.notEqual(b, a, `${key} is translated`);
      const lead = (s: string) => /^[^\p{L}]*/u.exec(s)?.[0] ?? '';
      assert.equal(lead(b), lead(a), `${key} keeps its emoji`);
    }
  }
});
