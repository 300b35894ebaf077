import { defineMessages } from '../../i18n/catalog.ts';

/** /workflows texts (the list, Run buttons, starting a run), English and Russian. */
export const workflowsTexts = defineMessages(
  {
    none: 'No workflows are set up. The owner adds them as files in config/workflows/ (see docs/workflows.md).',
    header: 'Workflows: fixed procedures I run step by step.',
    needs: (p: { params: string }) => `needs: ${p.params}`,
    run: (p: { name: string }) => `▶️ Run ${p.name}`,
    footer: 'Tap one to run it, or send /workflows run <name> key=value …',
    starting: (p: { name: string }) => `▶️ Running “${p.name}”… I post its result here when it is done.`,
    askParams: (p: { name: string; params: string }) =>
      `“${p.name}” needs ${p.params}. Send: /workflows run ${p.name} ${p.params
        .split(', ')
        .map((n) => `${n}=…`)
        .join(' ')}`,
    unknown: (p: { name: string }) => `There is no workflow called “${p.name}”. Send /workflows to see them.`,
    badParams: (p: { problems: string }) => `I can't start it: ${p.problems}. Fix that and send the command again.`,
    badWords: (p: { words: string }) =>
      `I don't understand “${p.words}”. Write parameters as key=value, e.g. /workflows run morning-briefing urls=https://example.com`,
    started: 'Started.',
  },
  {
    ru: {
      none: 'Сценарии не настроены. Владелец добавляет их файлами в config/workflows/ (см. docs/workflows.md).',
      header: 'Сценарии: постоянные процедуры, которые я выполняю шаг за шагом.',
      needs: (p) => `нужно: ${p.params}`,
      run: (p) => `▶️ Запустить ${p.name}`,
      footer: 'Нажмите, чтобы запустить, или отправьте /workflows run <имя> ключ=значение …',
      starting: (p) => `▶️ Запускаю «${p.name}»… Результат пришлю сюда, когда всё будет готово.`,
      askParams: (p) =>
        `«${p.name}» нужны параметры: ${p.params}. Отправьте: /workflows run ${p.name} ${p.params
          .split(', ')
          .map((n) => `${n}=…`)
          .join(' ')}`,
      unknown: (p) => `Сценария «${p.name}» нет. Отправьте /workflows, чтобы увидеть список.`,
      badParams: (p) => `Не могу запустить: ${p.problems}. Исправьте и отправьте команду снова.`,
      badWords: (p) =>
        `Не понимаю «${p.words}». Пишите параметры как ключ=значение, например /workflows run morning-briefing urls=https://example.com`,
      started: 'Запущено.',
    },
  },
);
