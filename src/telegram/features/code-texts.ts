import { defineMessages } from '../../i18n/catalog.ts';

/** Texts around code the model ran: the Show code button and the message it posts. */
export const codeTexts = defineMessages(
  {
    showCode: '🧮 Show code',
    gone: 'That code is no longer kept (the answer was forgotten or is too old). Ask again to run it anew.',
    title: (p: { n: number }) => (p.n === 1 ? 'Code I ran' : `Code I ran (${p.n} runs)`),
    run: (p: { n: number }) => `Run ${p.n}`,
    failed: 'failed',
    timedOut: 'timed out',
    output: 'Output',
    fileFailed: (p: { name: string }) => `I made ${p.name} but could not send it. Ask again to get it.`,
  },
  {
    ru: {
      showCode: '🧮 Показать код',
      gone: 'Этот код больше не хранится (ответ забыт или слишком старый). Спросите ещё раз, и я выполню его заново.',
      title: (p) => (p.n === 1 ? 'Код, который я выполнил' : `Код, который я выполнил (запусков: ${p.n})`),
      run: (p) => `Запуск ${p.n}`,
      failed: 'ошибка',
      timedOut: 'превышено время',
      output: 'Вывод',
      fileFailed: (p) => `Я подготовил ${p.name}, но не смог его отправить. Спросите ещё раз, чтобы получить его.`,
    },
  },
);
