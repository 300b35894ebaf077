import { defineMessages } from '../../i18n/catalog.ts';

/** /permissions texts ("Always allow" grants), English and Russian. */
export const permissionsTexts = defineMessages(
  {
    none:
      'You have no “Always allow” permissions.\n' +
      'When I ask before doing something, like reading a page on a new site, “♾️ Always allow” lets me do it for that site without asking again. It then shows up here, where you can revoke it.',
    header: (p: { n: number }) =>
      `Your “Always allow” permissions (${p.n}). Each covers only you, one tool and one target:`,
    line: (p: { n: number; tool: string; target: string; since: string }) =>
      `${p.n}. ${p.tool} → ${p.target} · since ${p.since}`,
    footer: 'Tap 🗑 to revoke one; I will ask again next time.',
    revokeButton: (p: { n: number; target: string }) => `🗑 Revoke ${p.n}: ${p.target}`,
    prev: '« Prev',
    next: 'Next »',
    outdated: 'This button is out of date. Send /permissions for a fresh list.',
    notYours: "These are someone else's permissions. Send /permissions to see yours.",
    revoked: (p: { tool: string; target: string }) => `Revoked: ${p.tool} → ${p.target}. I'll ask again next time.`,
    alreadyRevoked: 'That permission was already revoked.',
    failed: "Sorry, I couldn't do that. Please try again in a moment.",
  },
  {
    ru: {
      none:
        'У вас нет разрешений «Всегда разрешать».\n' +
        'Когда я спрашиваю, прежде чем что-то сделать (например, открыть страницу на новом сайте), кнопка «♾️ Всегда разрешать» позволяет мне делать это для этого сайта без вопросов. Такое разрешение появится здесь, и его можно будет отозвать.',
      header: (p) =>
        `Ваши разрешения «Всегда разрешать» (${p.n}). Каждое действует только для вас, одного инструмента и одной цели:`,
      line: (p) => `${p.n}. ${p.tool} → ${p.target} · с ${p.since}`,
      footer: 'Нажмите 🗑, чтобы отозвать разрешение; в следующий раз я снова спрошу.',
      revokeButton: (p) => `🗑 Отозвать ${p.n}: ${p.target}`,
      prev: '« Назад',
      next: 'Далее »',
      outdated: 'Эта кнопка устарела. Отправьте /permissions, чтобы получить свежий список.',
      notYours: 'Это чужие разрешения. Отправьте /permissions, чтобы увидеть свои.',
      revoked: (p) => `Отозвано: ${p.tool} → ${p.target}. В следующий раз я снова спрошу.`,
      alreadyRevoked: 'Это разрешение уже отозвано.',
      failed: 'Не получилось. Попробуйте ещё раз чуть позже.',
    },
  },
);
