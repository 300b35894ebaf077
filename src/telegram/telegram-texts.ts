import { defineMessages } from '../i18n/catalog.ts';

/** The Telegram adapter's own texts: queue notices, the streaming reply and tool status lines (the error boundary's: retry-texts.ts). */
export const telegramTexts = defineMessages(
  {
    queued: "⏳ Got it. I'll get to this right after the current reply.",
    gaveUp: "Sorry, I couldn't process one of your messages even after several tries. Please send it again.",
    emptyAnswer:
      "I couldn't put an answer together this time — the reply came back empty. Please try again or rephrase your request.",
    stopButton: '⏹ Stop',
    askingAgent: (p: { agent: string }) => `🤝 Asking the ${p.agent} agent…`,
    searching: '🔎 Searching the web…',
    readingPage: '🌐 Reading a page…',
    settingReminder: '⏰ Setting a reminder…',
    checkingMemory: '🧠 Checking my memory…',
    updatingMemory: '🧠 Updating my memory…',
    preparingQuestion: '❓ Preparing a question…',
    calculating: '🧮 Calculating…',
    checkingTime: '🕒 Checking the time…',
    working: (p: { tool: string }) => `⚙️ Working (${p.tool})…`,
  },
  {
    ru: {
      queued: '⏳ Принято. Займусь этим сразу после текущего ответа.',
      gaveUp:
        'Извините, не удалось обработать одно из ваших сообщений даже после нескольких попыток. Пожалуйста, отправьте его ещё раз.',
      emptyAnswer:
        'В этот раз не получилось составить ответ — он пришёл пустым. Попробуйте ещё раз или переформулируйте запрос.',
      stopButton: '⏹ Стоп',
      askingAgent: (p) => `🤝 Спрашиваю агента «${p.agent}»…`,
      searching: '🔎 Ищу в интернете…',
      readingPage: '🌐 Читаю страницу…',
      settingReminder: '⏰ Ставлю напоминание…',
      checkingMemory: '🧠 Проверяю память…',
      updatingMemory: '🧠 Обновляю память…',
      preparingQuestion: '❓ Готовлю вопрос…',
      calculating: '🧮 Считаю…',
      checkingTime: '🕒 Смотрю время…',
      working: (p) => `⚙️ Работаю (${p.tool})…`,
    },
  },
);
