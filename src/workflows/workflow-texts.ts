import { defineMessages } from '../i18n/catalog.ts';

/** Messages the workflow runner posts (approval prompts, stops), English and Russian. */
export const workflowTexts = defineMessages(
  {
    askTitle: (p: { workflow: string; tool: string }) => `🔐 Workflow “${p.workflow}” wants to run ${p.tool}.`,
    askWhy: (p: { reason: string }) => `Why I ask: ${p.reason}`,
    askFooter: 'The workflow waits for your answer; nothing else runs in its place.',
    stopped: (p: { workflow: string; reason: string }) => `⚠️ Workflow “${p.workflow}” stopped: ${p.reason}`,
    denied: (p: { tool: string }) =>
      `you did not approve ${p.tool}, so it did not run. Run the workflow again to retry.`,
    refused: (p: { tool: string; reason: string }) => `${p.tool} is not allowed here (${p.reason}).`,
    interrupted: (p: { tool: string }) =>
      `a restart cut off ${p.tool} while it ran. It may or may not have happened, so I did not repeat it. Check, then run the workflow again if needed.`,
    toolError: (p: { tool: string; message: string }) => `${p.tool} failed (${p.message}). Try again later.`,
    badArgs: (p: { tool: string; message: string }) =>
      `${p.tool} got arguments it cannot use (${p.message}). Check the workflow's parameters.`,
    unknownTool: (p: { tool: string }) => `the tool ${p.tool} is not available. Ask the owner to check the workflow.`,
    modelError: (p: { agent: string }) => `the ${p.agent} agent could not answer. Try again in a few minutes.`,
    tooMany: (p: { max: number }) => `the list is longer than ${p.max} items. Run it with fewer.`,
    postFailed: 'I could not post its result to this chat.',
    broken: 'its record is damaged, so I did not continue it. Run it again.',
    notYours: 'Only the person who started this workflow can decide.',
    alreadyDecided: 'This was already decided.',
    gone: 'This workflow run no longer exists.',
  },
  {
    ru: {
      askTitle: (p) => `🔐 Сценарий «${p.workflow}» хочет выполнить ${p.tool}.`,
      askWhy: (p) => `Почему спрашиваю: ${p.reason}`,
      askFooter: 'Сценарий ждёт вашего ответа; вместо этого шага ничего не выполняется.',
      stopped: (p) => `⚠️ Сценарий «${p.workflow}» остановлен: ${p.reason}`,
      denied: (p) => `вы не подтвердили ${p.tool}, поэтому шаг не выполнен. Запустите сценарий снова, чтобы повторить.`,
      refused: (p) => `${p.tool} здесь не разрешён (${p.reason}).`,
      interrupted: (p) =>
        `перезапуск прервал ${p.tool} во время работы. Возможно, действие выполнилось, а возможно, нет, поэтому я его не повторял. Проверьте и при необходимости запустите сценарий снова.`,
      toolError: (p) => `${p.tool} не сработал (${p.message}). Попробуйте позже.`,
      badArgs: (p) => `${p.tool} получил непригодные аргументы (${p.message}). Проверьте параметры сценария.`,
      unknownTool: (p) => `инструмент ${p.tool} недоступен. Попросите владельца проверить сценарий.`,
      modelError: (p) => `агент ${p.agent} не смог ответить. Попробуйте через несколько минут.`,
      tooMany: (p) => `в списке больше ${p.max} элементов. Запустите с меньшим числом.`,
      postFailed: 'не удалось отправить результат в этот чат.',
      broken: 'его запись повреждена, поэтому я не стал его продолжать. Запустите его снова.',
      notYours: 'Решать может только тот, кто запустил этот сценарий.',
      alreadyDecided: 'Это уже решено.',
      gone: 'Этого запуска сценария больше нет.',
    },
  },
);
