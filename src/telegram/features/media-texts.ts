import { defineMessages } from '../../i18n/catalog.ts';

/** What the bot answers to media it can't read. `size`/`limit` arrive formatted ("3.2 MB"). */
export const mediaTexts = defineMessages(
  {
    sticker: "Nice sticker! I can't read stickers, though. Send me text, a photo, a document or a voice message.",
    videoNote: "I can't watch video notes. Send a voice message or type your question instead.",
    animation: "I can't watch GIFs. Send a photo or describe what you need.",
    location: "I can't use shared locations yet. Type the place name or address instead.",
    poll: "I can't take part in polls. Ask me directly instead.",
    contact: "I can't use shared contacts. Type the details you want me to work with.",
    game: "I can't play that one. Send me text, a photo, a document or a voice message.",
    story: "I can't open stories. Send the photo or text directly.",
    tooLarge: (p: { size: string; limit: string }) =>
      `That file is ${p.size}, but I can only read files up to ${p.limit}. Please send a smaller or compressed version.`,
    fileType: (p: { ext: string | undefined }) =>
      `I can't open ${p.ext ? `.${p.ext} files` : 'this kind of file'} yet. I can read PDFs, text and code files, images and audio. Export it as PDF or text and send it again.`,
    notText: "That file doesn't look like plain text, so I can't read it. Send it as PDF or paste the text instead.",
    spreadsheet:
      "I can't read this spreadsheet (an old .xls, or a damaged or empty workbook). Save the sheet as .xlsx or CSV and send it again.",
  },
  {
    ru: {
      sticker: 'Отличный стикер! Но стикеры я читать не умею. Пришлите текст, фото, документ или голосовое сообщение.',
      videoNote: 'Видеосообщения я смотреть не умею. Пришлите голосовое или напишите вопрос текстом.',
      animation: 'GIF я смотреть не умею. Пришлите фото или опишите, что нужно.',
      location: 'С геопозицией я пока не работаю. Напишите название места или адрес.',
      poll: 'В опросах я не участвую. Спросите меня напрямую.',
      contact: 'С контактами я не работаю. Напишите нужные данные текстом.',
      game: 'В это я играть не умею. Пришлите текст, фото, документ или голосовое сообщение.',
      story: 'Истории я открывать не умею. Пришлите фото или текст напрямую.',
      tooLarge: (p) =>
        `Этот файл весит ${p.size}, а я читаю файлы не больше ${p.limit}. Пришлите файл поменьше или сожмите его.`,
      fileType: (p) =>
        `${p.ext ? `Файлы .${p.ext}` : 'Такие файлы'} я пока не открываю. Я читаю PDF, текстовые файлы и код, изображения и аудио. Сохраните файл как PDF или текст и пришлите ещё раз.`,
      notText:
        'Этот файл не похож на обычный текст, поэтому прочитать его не получится. Пришлите PDF или вставьте текст.',
      spreadsheet:
        'Эту таблицу прочитать не получается (старый формат .xls, повреждённый или пустой файл). Сохраните её как .xlsx или CSV и пришлите ещё раз.',
    },
  },
);
