import { defineMessages } from '../i18n/catalog.ts';
import type { Locale } from '../i18n/locale.ts';

/** What a person reads for a schedule error a button or a typed time can cause (the model reads `message`). */
export type ScheduleErrorText =
  | { key: 'timePassed' }
  | { key: 'alreadyRunning' }
  | { key: 'jobNotFound' }
  | { key: 'tooManyJobs'; max: number }
  | { key: 'tooFarAhead' }
  | { key: 'notRealDate'; value: string };

/** The texts of {@link ScheduleErrorText}, English (the same words as the error's message) and Russian. */
export const scheduleErrorTexts = defineMessages(
  {
    timePassed: "That job's time has passed, so it can't be resumed. Give it a new time instead.",
    alreadyRunning: 'That job is already running. Try again in a moment.',
    jobNotFound: "I can't find that job — it may have been deleted. Use /jobs to see your jobs.",
    tooManyJobs: (p: { max: number }) =>
      `You already have ${p.max} scheduled jobs, the maximum. Delete some in /jobs first.`,
    tooFarAhead: 'That is more than 5 years ahead. Pick a nearer time.',
    notRealDate: (p: { value: string }) => `${p.value} is not a real date. Check the day and month.`,
  },
  {
    ru: {
      timePassed: 'Время этой задачи уже прошло, поэтому её нельзя возобновить. Лучше задайте новое время.',
      alreadyRunning: 'Эта задача уже выполняется. Попробуйте чуть позже.',
      jobNotFound: 'Не могу найти эту задачу — возможно, её удалили. Все ваши задачи — в /jobs.',
      tooManyJobs: (p) => `У вас уже ${p.max} задач по расписанию — это максимум. Сначала удалите лишние в /jobs.`,
      tooFarAhead: 'Это больше чем на 5 лет вперёд. Выберите время поближе.',
      notRealDate: (p) => `Даты ${p.value} не существует. Проверьте день и месяц.`,
    },
  },
);

/** The person-facing words of a schedule error in `locale`, or undefined when it has none (use its message). */
export function scheduleErrorText(text: ScheduleErrorText | undefined, locale: Locale): string | undefined {
  if (!text) return undefined;
  const t = scheduleErrorTexts(locale);
  switch (text.key) {
    case 'tooManyJobs':
      return t.tooManyJobs({ max: text.max });
    case 'notRealDate':
      return t.notRealDate({ value: text.value });
    default:
      return t[text.key];
  }
}
