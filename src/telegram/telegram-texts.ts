import { defineMessages } from '../i18n/catalog.ts';

/** The Telegram adapter's own texts: the error boundary, queue notices, the streaming reply and tool status lines. */
export const telegramTexts = defineMessages(
  {
    failure: 'Sorry, something went wrong while answering. Tap Retry to try again, or rephrase your message.',
    failureNoRetry: 'Sorry, something went wrong on my side. Please try again in a moment.',
    failureToast: 'Something went wrong.',
    buttonInactive: 'This button is no longer active.',
    queued: "⏳ Got it. I'll get to this right after the current reply.",
    gaveUp: "Sorry, I couldn't process one of your messages even after several tries. Please send it again.",
    emptyAnswer:
      "I couldn't put an answer together this time — the reply came back empty. Please try again or rephrase your request.",
    stopButton: '⏹ Stop',
    retryButton: '🔁 Retry',
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
      failure:
        'Извините, при ответе что-то пошло не так. Нажмите «Повторить», чтобы попробовать ещё раз, или переформулируйте сообщение.',
      failureNoRetry: 'Извините, у меня что-то пошло не так. Попробуйте ещё раз чуть позже.',
      failureToast: 'Что-то пошло не так.',
      buttonInactive: 'Эта кнопка больше не работает.',
      queued: '⏳ Принято. Займусь этим сразу после текущего ответа.',
      gaveUp:
        'Извините, не удалось обработать одно из ваших сообщений даже после нескольких попыток. Пожалуйста, отправьте его ещё раз.',
      emptyAnswer:
        'В этот раз не получилось составить ответ — он пришёл пустым. Попробуйте ещё раз или переформулируйте запрос.',
      stopButton: '⏹ Стоп',
      retryButton: '🔁 Повторить',
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
