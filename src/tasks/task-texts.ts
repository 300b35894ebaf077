import { defineMessages } from '../i18n/catalog.ts';

/** What a background task posts in the chat (titles arrive as given; markdown is escaped by the caller). */
export const taskTexts = defineMessages(
  {
    done: (p: { title: string }) => `✅ **${p.title}**`,
    nothing: 'I found nothing to report.',
    failed: (p: { title: string }) => `⚠️ I couldn't finish “${p.title}”. Ask me again, or ask for a smaller part.`,
    interrupted: (p: { title: string; attempts: number }) =>
      `⚠️ I couldn't finish “${p.title}”: I was restarted while working on it (${p.attempts} tries). Ask me again when you need it.`,
    timedOut: (p: { title: string }) =>
      `⚠️ “${p.title}” took too long and I stopped it. Ask me again with a narrower question.`,
    cancelled: (p: { title: string }) => `⏹ Cancelled the background task “${p.title}”.`,
  },
  {
    ru: {
      done: (p) => `✅ Готово: **${p.title}**`,
      nothing: 'Ничего существенного не нашлось.',
      failed: (p) => `⚠️ Не получилось закончить «${p.title}». Попросите ещё раз или разбейте на части поменьше.`,
      interrupted: (p) =>
        `⚠️ Не получилось закончить «${p.title}»: меня перезапускали во время работы (попыток: ${p.attempts}). Попросите ещё раз, когда понадобится.`,
      timedOut: (p) =>
        `⚠️ «${p.title}» заняло слишком много времени, я остановил задачу. Попросите ещё раз, уточнив вопрос.`,
      cancelled: (p) => `⏹ Фоновая задача «${p.title}» отменена.`,
    },
  },
);
