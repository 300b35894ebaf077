import { defineMessages, plural } from '../i18n/catalog.ts';
import { formatNumber } from '../i18n/format.ts';

/** The agent loop's and turn runner's own words to the user (not the model's answers, not what the model reads). */
export const agentTexts = defineMessages(
  {
    stoppedAfterSteps: (p: { steps: number }) =>
      `I stopped after ${p.steps} steps before finishing. Say "continue" and I'll pick up where I left off.`,
    stoppedAtBudget: (p: { tokens: number }) =>
      `I stopped because this request used up its processing budget (${formatNumber('en', p.tokens)} tokens). Say "continue" to keep going, or ask for something smaller.`,
    refused: "I can't help with that request. Could you ask it differently?",
    noAnswer: "I couldn't come up with an answer to that. Could you rephrase it or add a bit more detail?",
    stopped: 'Stopped.',
    busySoon: 'Gemini is busy right now — tap Retry in a minute.',
    busyLater: 'Gemini is busy right now — tap Retry in a few minutes.',
    unavailable: "Gemini isn't responding right now — tap Retry in a minute.",
    timeout: 'Gemini took too long to answer — tap Retry to try again.',
    auth: "I can't use Gemini: the API key was refused. The bot owner needs to check GEMINI_API_KEY.",
    badRequest: "Gemini couldn't process that message. Try rephrasing it, or send /new to start a fresh conversation.",
    malformed: 'Gemini sent a garbled answer — tap Retry to try again.',
    storeDown: "I couldn't reach my memory just now — tap Retry in a minute.",
    expired: "This request can't be continued any more — please ask again.",
    internal: 'Something went wrong on my side — tap Retry, and if it keeps happening, send /new.',
    readingHost: (p: { host: string }) => `Reading ${p.host}…`,
  },
  {
    ru: {
      stoppedAfterSteps: (p) =>
        `Я остановился после ${plural('ru', p.steps, { one: '{n} шага', few: '{n} шагов', many: '{n} шагов', other: '{n} шага' })}, не закончив. Напишите «продолжай», и я продолжу с того же места.`,
      stoppedAtBudget: (p) =>
        `Я остановился: запрос израсходовал свой лимит (${formatNumber('ru', p.tokens)} ${plural('ru', p.tokens, { one: 'токен', few: 'токена', many: 'токенов', other: 'токена' })}). Напишите «продолжай», чтобы продолжить, или попросите что-то поменьше.`,
      refused: 'С этим запросом я помочь не могу. Можете сформулировать его иначе?',
      noAnswer: 'Не получилось найти ответ. Переформулируйте вопрос или добавьте подробностей.',
      stopped: 'Остановлено.',
      busySoon: 'Gemini сейчас перегружен — нажмите «Повторить» через минуту.',
      busyLater: 'Gemini сейчас перегружен — нажмите «Повторить» через несколько минут.',
      unavailable: 'Gemini сейчас не отвечает — нажмите «Повторить» через минуту.',
      timeout: 'Gemini отвечал слишком долго — нажмите «Повторить», чтобы попробовать снова.',
      auth: 'Не могу обратиться к Gemini: ключ API отклонён. Владельцу бота нужно проверить GEMINI_API_KEY.',
      badRequest:
        'Gemini не смог обработать это сообщение. Попробуйте переформулировать его или отправьте /new, чтобы начать новый разговор.',
      malformed: 'Gemini прислал испорченный ответ — нажмите «Повторить», чтобы попробовать снова.',
      storeDown: 'Не удалось обратиться к моей памяти — нажмите «Повторить» через минуту.',
      expired: 'Этот запрос больше нельзя продолжить — пожалуйста, задайте его заново.',
      internal: 'У меня что-то пошло не так — нажмите «Повторить», а если повторится, отправьте /new.',
      readingHost: (p) => `Читаю ${p.host}…`,
    },
  },
);
