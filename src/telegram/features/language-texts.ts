import { defineMessages } from '../../i18n/catalog.ts';

/** Texts of /language. `current` is a language's own name ("English", "Русский"). */
export const languageTexts = defineMessages(
  {
    menu: (p: { current: string }) =>
      `🗣 <b>Language</b>\n\nI write to you in <b>${p.current}</b>. Auto follows your Telegram app’s language. My answers follow the language you write in.`,
    auto: 'Auto',
    autoWith: (p: { current: string }) => `Auto (${p.current})`,
    chosen: (p: { current: string }) => `Language: ${p.current}`,
    privateOnly: 'Your language is set in a private chat with me: send /language there.',
  },
  {
    ru: {
      menu: (p) =>
        `🗣 <b>Язык</b>\n\nЯ пишу вам на языке: <b>${p.current}</b>. «Авто» — как в вашем приложении Telegram. Отвечаю я на том языке, на котором пишете вы.`,
      auto: 'Авто',
      autoWith: (p) => `Авто (${p.current})`,
      chosen: (p) => `Язык: ${p.current}`,
      privateOnly: 'Язык настраивается в личном чате со мной: отправьте туда /language.',
    },
  },
);
