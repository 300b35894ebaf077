import { defineMessages, plural } from '../i18n/catalog.ts';

/** What the owner reads when someone's access ended and their work was stopped. `jobs` arrive as quoted titles. */
export const revokeTexts = defineMessages(
  {
    readmitUsers: 'let them back in (/users)',
    readmitAllowlist: 'add them back to ALLOWED_USER_IDS',
    pausedJobs: (p: { n: number; shown: string; more: number }) =>
      `paused ${p.n === 1 ? 'their scheduled job' : `their ${p.n} scheduled jobs`}: ${p.shown}${p.more > 0 ? ` and ${p.more} more` : ''}`,
    cancelledRequests: (p: { n: number }) =>
      `cancelled ${p.n === 1 ? 'one request' : `${p.n} requests`} waiting for a decision`,
    summary: (p: { parts: string[]; readmit: string }) =>
      `⏸ I ${p.parts.join(' and ')}. Nothing of theirs will run or be sent to them. If you ${p.readmit}, they can resume their jobs in /jobs.`,
    failed:
      "⚠️ I couldn't stop all of their scheduled jobs and pending requests just now. They still won't run for them, and I'll finish the clean-up at the next restart.",
    userN: (p: { id: number }) => `user ${p.id}`,
    notListed: 'is no longer in ALLOWED_USER_IDS',
    noAccess: 'no longer has access',
    startupCheck: (p: { lines: string }) => `🔒 Access check at start-up:\n\n${p.lines}`,
  },
  {
    ru: {
      readmitUsers: 'вернёте доступ (/users)',
      readmitAllowlist: 'вернёте пользователя в ALLOWED_USER_IDS',
      pausedJobs: (p) =>
        `${plural('ru', p.n, { one: 'поставлена на паузу {n} задача', few: 'поставлены на паузу {n} задачи', many: 'поставлено на паузу {n} задач', other: 'поставлено на паузу {n} задачи' })} по расписанию: ${p.shown}${p.more > 0 ? ` и ещё ${p.more}` : ''}`,
      cancelledRequests: (p) =>
        plural('ru', p.n, {
          one: 'отменён {n} запрос, ждавший решения',
          few: 'отменены {n} запроса, ждавших решения',
          many: 'отменено {n} запросов, ждавших решения',
          other: 'отменено {n} запроса, ждавших решения',
        }),
      summary: (p) =>
        `⏸ ${p.parts.map((x, i) => (i === 0 ? x[0]!.toUpperCase() + x.slice(1) : x)).join('; ')}. Ничего из этого не будет выполнено и отправлено пользователю. Если вы ${p.readmit}, задачи можно будет возобновить в /jobs.`,
      failed:
        '⚠️ Сейчас не удалось остановить все задачи и запросы этого пользователя. Для него они всё равно не выполнятся, а очистку я закончу при следующем запуске.',
      userN: (p) => `пользователь ${p.id}`,
      notListed: 'больше нет в ALLOWED_USER_IDS',
      noAccess: 'больше не имеет доступа',
      startupCheck: (p) => `🔒 Проверка доступа при запуске:\n\n${p.lines}`,
    },
  },
);
