import { defineMessages } from '../i18n/catalog.ts';

/** The bot's profile texts. Telegram allows 512 characters for the description and 120 for the short one. */
export const botProfileTexts = defineMessages(
  {
    description:
      "I'm a private personal assistant. I answer questions, look things up on the web, remember what you tell me, set reminders, and read your photos, files and voice messages.\n\nOnly people my owner approves can use me. Tap Start to begin.",
    shortDescription: 'A private personal assistant: answers, web look-ups, reminders and notes.',
  },
  {
    ru: {
      description:
        'Я личный помощник. Отвечаю на вопросы, ищу в интернете, запоминаю, что вы мне рассказываете, ставлю напоминания, читаю ваши фото, файлы и голосовые сообщения.\n\nПользоваться мной могут только те, кого одобрил мой владелец. Нажмите «Старт», чтобы начать.',
      shortDescription: 'Личный помощник: ответы, поиск в интернете, напоминания и заметки.',
    },
  },
);
