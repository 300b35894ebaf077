import { defineMessages } from '../../i18n/catalog.ts';

/** Texts of a group's /settings (in the language of the member who acts). Plain text, not HTML. */
export const groupSettingsTexts = defineMessages(
  {
    adminsOnly: "Only the group's admins can change its settings.",
    zoneSet: (p: { zone: string; time: string; moved: number }) =>
      `✅ This group's time zone is now ${p.zone} (it's ${p.time} there). Reminders set here use it.${p.moved > 0 ? ` Repeating reminders here keep their local time (${p.moved} moved).` : ''}`,
    zoneLine: (p: { zone: string; time: string }) =>
      `🌍 Time zone: ${p.zone} — it's ${p.time} there. Reminders set here use it.`,
    zoneNotSet: "🌍 Time zone: not set — reminders set here use their creator's own time zone.",
    settings: (p: { zoneLine: string }) => `⚙️ Group settings\n\n${p.zoneLine}\n\nOnly group admins can change these.`,
    askZone:
      "🌍 Pick the group's time zone, or reply to this message with a city or zone name (for example Lisbon or America/Denver).",
    badZoneButton: 'That time zone is not valid. Reply with a city name instead.',
    zoneNotFound: (p: { text: string }) =>
      `I couldn't find a time zone for "${p.text}". Try a bigger city nearby or a zone name like Europe/Paris, or tap a button.`,
  },
  {
    ru: {
      adminsOnly: 'Менять настройки группы могут только её администраторы.',
      zoneSet: (p) =>
        `✅ Часовой пояс группы теперь ${p.zone} (там сейчас ${p.time}). Напоминания, заданные здесь, идут по нему.${p.moved > 0 ? ` Повторяющиеся напоминания сохранят своё местное время (перенесено: ${p.moved}).` : ''}`,
      zoneLine: (p) => `🌍 Часовой пояс: ${p.zone} — там сейчас ${p.time}. Напоминания, заданные здесь, идут по нему.`,
      zoneNotSet: '🌍 Часовой пояс: не задан — напоминания идут по часовому поясу того, кто их создал.',
      settings: (p) => `⚙️ Настройки группы\n\n${p.zoneLine}\n\nМенять их могут только администраторы группы.`,
      askZone:
        '🌍 Выберите часовой пояс группы или ответьте на это сообщение названием города или пояса (например, Москва или Europe/Berlin).',
      badZoneButton: 'Этот часовой пояс не подходит. Ответьте лучше названием города.',
      zoneNotFound: (p) =>
        `Не удалось найти часовой пояс для «${p.text}». Попробуйте крупный город поблизости или название пояса, например Europe/Moscow, или нажмите кнопку.`,
    },
  },
);
