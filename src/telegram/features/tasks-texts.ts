import { defineMessages } from '../../i18n/catalog.ts';

/** Texts of /tasks and its Cancel buttons (titles arrive as the model wrote them; the list is plain text). */
export const tasksTexts = defineMessages(
  {
    title: '🧵 Background tasks',
    none: 'No background tasks here. Ask me to “look into something and get back to you”, and it runs here while we keep talking.',
    running: (p: { title: string; minutes: number }) => `🔄 ${p.title} — running for ${p.minutes} min`,
    queued: (p: { title: string }) => `⏳ ${p.title} — waiting for a free slot`,
    waiting: (p: { title: string }) => `✋ ${p.title} — needed your approval; its answer comes with it (/pending)`,
    done: (p: { title: string }) => `✅ ${p.title}`,
    failed: (p: { title: string }) => `⚠️ ${p.title} — didn’t finish`,
    cancelled: (p: { title: string }) => `⏹ ${p.title} — cancelled`,
    recent: 'Recent:',
    cancelButton: (p: { title: string }) => `⏹ Cancel: ${p.title}`,
    cancelledToast: 'Cancelled.',
    endedToast: 'That task has already finished.',
    notFoundToast: 'That task no longer exists (it may have been erased). Send /tasks for the current list.',
    notYoursToast: 'Only the person who started this task can cancel it.',
    outdatedToast: 'This button is outdated. Send /tasks for the current list.',
    failedToast: 'Something went wrong. Try again in a moment.',
  },
  {
    ru: {
      title: '🧵 Фоновые задачи',
      none: 'Здесь нет фоновых задач. Попросите меня «разобраться и вернуться с ответом» — задача пойдёт здесь, пока мы продолжаем разговор.',
      running: (p) => `🔄 ${p.title} — идёт ${p.minutes} мин`,
      queued: (p) => `⏳ ${p.title} — ждёт свободного места`,
      waiting: (p) => `✋ ${p.title} — понадобилось ваше подтверждение; ответ придёт после него (/pending)`,
      done: (p) => `✅ ${p.title} — готово`,
      failed: (p) => `⚠️ ${p.title} — не завершена`,
      cancelled: (p) => `⏹ ${p.title} — отменена`,
      recent: 'Недавние:',
      cancelButton: (p) => `⏹ Отменить: ${p.title}`,
      cancelledToast: 'Отменено.',
      endedToast: 'Эта задача уже завершилась.',
      notFoundToast:
        'Этой задачи больше нет (возможно, данные стёрты). Отправьте /tasks, чтобы увидеть текущий список.',
      notYoursToast: 'Отменить задачу может только тот, кто её запустил.',
      outdatedToast: 'Эта кнопка устарела. Отправьте /tasks, чтобы увидеть текущий список.',
      failedToast: 'Что-то пошло не так. Попробуйте ещё раз чуть позже.',
    },
  },
);
