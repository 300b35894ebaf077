/** What the guards tell the user when they stop a turn (English and Russian). The model never reads these. */
import { defineMessages, plural } from '../i18n/catalog.ts';

export const guardsTexts = defineMessages(
  {
    inputInjection:
      "I didn't act on this message: it looks like an attempt to override my instructions. If you meant something else, please say it in other words.",
    toolInjection:
      "I stopped: something I just read contains instructions aimed at me (a possible prompt injection), so I won't act on it. Tell me in your own words what you want done with it.",
    blockedInput:
      "I can't take this message: it contains something the bot's owner has blocked. Please send it again without that part.",
    blockedToolResult: "I stopped: a tool returned something the bot's owner has blocked. Try a different source.",
    blockedOutput:
      "I wrote an answer, but it contained something the bot's owner has blocked, so I didn't send it. Try asking in a different way.",
    tooManyToolCalls: (p: { max: number }) =>
      `I stopped after ${p.max} tool ${p.max === 1 ? 'call' : 'calls'}, the limit for one request. Say "continue" to go on, or split the task into smaller steps.`,
  },
  {
    ru: {
      inputInjection:
        'Я не стал выполнять это сообщение: похоже, это попытка переписать мои инструкции. Если вы имели в виду другое, скажите, пожалуйста, иначе.',
      toolInjection:
        'Я остановился: в том, что я только что прочитал, есть команды для меня (возможная промпт-инъекция), поэтому я не буду их выполнять. Напишите своими словами, что с этим сделать.',
      blockedInput:
        'Я не могу принять это сообщение: в нём есть то, что владелец бота запретил. Отправьте его ещё раз без этой части.',
      blockedToolResult: 'Я остановился: инструмент вернул то, что владелец бота запретил. Попробуйте другой источник.',
      blockedOutput:
        'Я написал ответ, но в нём оказалось то, что владелец бота запретил, поэтому я его не отправил. Попробуйте спросить по-другому.',
      tooManyToolCalls: (p) =>
        `Я остановился после ${plural('ru', p.max, { one: '{n} вызова инструментов', few: '{n} вызовов инструментов', many: '{n} вызовов инструментов', other: '{n} вызова инструментов' })}: это предел для одного запроса. Напишите «продолжай», чтобы я продолжил, или разбейте задачу на шаги поменьше.`,
    },
  },
);
