import { defineMessages, plural } from '../../i18n/catalog.ts';

/** The library's texts in the chat: progress, document cards, /docs, /save, citations and every refusal. */
export const docsTexts = defineMessages(
  {
    reading: (p: { name: string; percent: number }) => `📄 Reading ${p.name}… ${p.percent} %`,
    indexing: (p: { name: string; percent: number }) => `📄 Indexing ${p.name}… ${p.percent} %`,
    fetching: (p: { host: string }) => `🔗 Fetching ${p.host}…`,
    kb: (p: { n: string }) => `${p.n} KB`,
    mb: (p: { n: string }) => `${p.n} MB`,
    pages: (p: { n: number }) => plural('en', p.n, { one: '{n} page', other: '{n} pages' }),
    chunks: (p: { n: number }) => plural('en', p.n, { one: '{n} passage', other: '{n} passages' }),
    savedPrivate: 'Saved to your library. Ask me about it any time.',
    savedGroup: "Saved to this group's library. Ask me about it any time.",
    duplicatePrivate: 'This is already in your library; nothing new was stored.',
    duplicateGroup: "This is already in this group's library; nothing new was stored.",
    deleteButton: '🗑 Delete',
    askButton: '💬 Ask about it',
    askPrompt: (p: { title: string }) =>
      `📄 What would you like to know about “${p.title}”? Reply to this message with your question.`,
    telegramLimit: (p: { name: string; size: string; limit: string }) =>
      `${p.name} is ${p.size}, but I can only read files up to ${p.limit}. Split it into smaller parts or compress it and send them again, or put it online and send me the link with /save <url>.`,
    tooLarge: (p: { name: string; limit: string }) =>
      `${p.name} is larger than the library's limit of ${p.limit}. Split it into smaller parts and send them again.`,
    tooManyPages: (p: { name: string; limit: number }) =>
      `${p.name} has more than ${p.limit} pages, which is more than I keep in one document. Split it into parts and send them again.`,
    tooManyChunks: (p: { name: string }) =>
      `${p.name} has more text than I keep in one document. Split it into parts and send them again.`,
    tooManyDocuments: (p: { limit: number }) =>
      `The library is full (${p.limit} documents). Delete some with /docs, then send this again.`,
    noText: (p: { name: string }) =>
      `I found no text in ${p.name}: it looks like a scan (pictures of pages). Run it through text recognition (OCR, e.g. “Save as searchable PDF”) and send it again, or paste the text here.`,
    noTextFile: (p: { name: string }) =>
      `I couldn't find readable plain text in ${p.name}. If it is a text file, save it as UTF-8 and send it again, or paste the text here.`,
    unsupported: (p: { name: string }) =>
      `I can't add ${p.name} to the library: I read PDF, Word (DOCX), text, Markdown, HTML and code files. Save it in one of those formats and send it again.`,
    unreadable: (p: { name: string }) =>
      `I couldn't read ${p.name}: the file seems damaged or password-protected. Save it again without a password and send it.`,
    failed: (p: { name: string }) => `Something went wrong while saving ${p.name}; nothing was stored.`,
    saveUsage: 'Send /save with a link, for example: /save https://example.com/article',
    invalidUrl: "That doesn't look like a web link. Send /save with a full link starting with http:// or https://.",
    blocked: (p: { host: string }) =>
      `I can't open ${p.host}: it points to a private or local network address. Send a public link instead.`,
    httpError: (p: { host: string; status: number }) =>
      `${p.host} answered with error ${p.status}. Check the link and try again.`,
    unreachable: (p: { host: string }) => `I couldn't reach ${p.host}. Check the link, or try again later.`,
    needsApproval: (p: { host: string }) =>
      `That link redirects to ${p.host}. Send me that address with /save if you want it saved.`,
    emptyPrivate:
      'Your library is empty. Send me a PDF, Word, text or Markdown file, or save a link with /save <url>, and I will keep it for your questions.',
    emptyGroup:
      "This group's library is empty. Send a document here (mention me), or save a link with /save <url>, and I will keep it for everyone's questions.",
    listHeader: (p: { total: number; page: number; pages: number }) =>
      `${plural('en', p.total, { one: '📚 {n} document in the library', other: '📚 {n} documents in the library' })}${p.pages > 1 ? ` (page ${p.page} of ${p.pages})` : ''}`,
    listFooter: 'Ask me anything about them. 🗑 deletes a document (I ask first).',
    ingesting: 'still being read',
    failedStatus: 'could not be read',
    confirmDelete: (p: { title: string }) =>
      `Delete “${p.title}” from the library? Its passages will no longer be found, and buttons citing it will stop working.`,
    confirmYes: '🗑 Yes, delete',
    confirmNo: 'Keep',
    deleted: (p: { title: string }) => `🗑 Deleted “${p.title}” from the library.`,
    deletedToast: 'Deleted.',
    keptToast: 'Kept.',
    gone: 'This document is no longer in the library (it was deleted).',
    notYours: 'Only the person who added this document can delete it.',
    citationPage: (p: { title: string; page: number }) => `📄 ${p.title} p. ${p.page}`,
    citationGone: 'That document was deleted from the library, so its passage is gone.',
    sourcePage: (p: { title: string; page: number }) => `${p.title}, p. ${p.page}`,
    buttonInvalid: "This button doesn't work anymore. Send /docs to see the library.",
  },
  {
    ru: {
      reading: (p) => `📄 Читаю ${p.name}… ${p.percent} %`,
      indexing: (p) => `📄 Индексирую ${p.name}… ${p.percent} %`,
      fetching: (p) => `🔗 Загружаю ${p.host}…`,
      kb: (p) => `${p.n} КБ`,
      mb: (p) => `${p.n} МБ`,
      pages: (p) => `${p.n} стр.`,
      chunks: (p) =>
        plural('ru', p.n, {
          one: '{n} фрагмент',
          few: '{n} фрагмента',
          many: '{n} фрагментов',
          other: '{n} фрагмента',
        }),
      savedPrivate: 'Сохранено в вашу библиотеку. Спрашивайте о нём в любое время.',
      savedGroup: 'Сохранено в библиотеку группы. Спрашивайте о нём в любое время.',
      duplicatePrivate: 'Это уже есть в вашей библиотеке, ничего нового не сохранено.',
      duplicateGroup: 'Это уже есть в библиотеке группы, ничего нового не сохранено.',
      deleteButton: '🗑 Удалить',
      askButton: '💬 Спросить о нём',
      askPrompt: (p) => `📄 Что вы хотите узнать о «${p.title}»? Ответьте на это сообщение своим вопросом.`,
      telegramLimit: (p) =>
        `${p.name} весит ${p.size}, а я читаю файлы не больше ${p.limit}. Разделите его на части или сожмите и пришлите снова, или выложите в интернет и пришлите ссылку командой /save <ссылка>.`,
      tooLarge: (p) => `${p.name} больше предела библиотеки (${p.limit}). Разделите его на части и пришлите снова.`,
      tooManyPages: (p) =>
        `В ${p.name} больше ${p.limit} страниц — это больше, чем я храню в одном документе. Разделите его на части и пришлите снова.`,
      tooManyChunks: (p) =>
        `В ${p.name} больше текста, чем я храню в одном документе. Разделите его на части и пришлите снова.`,
      tooManyDocuments: (p) =>
        `Библиотека заполнена (${p.limit} документов). Удалите лишнее через /docs и пришлите это снова.`,
      noText: (p) =>
        `В ${p.name} нет текста: похоже, это скан (картинки страниц). Распознайте текст (OCR, например «Сохранить как PDF с поиском») и пришлите снова или вставьте текст сюда.`,
      noTextFile: (p) =>
        `В ${p.name} не нашлось читаемого текста. Если это текстовый файл, сохраните его в UTF-8 и пришлите снова или вставьте текст сюда.`,
      unsupported: (p) =>
        `Не могу добавить ${p.name} в библиотеку: я читаю PDF, Word (DOCX), текст, Markdown, HTML и файлы с кодом. Сохраните его в одном из этих форматов и пришлите снова.`,
      unreadable: (p) =>
        `Не получилось прочитать ${p.name}: файл, похоже, повреждён или защищён паролем. Сохраните его без пароля и пришлите снова.`,
      failed: (p) => `Что-то пошло не так при сохранении ${p.name}, ничего не сохранено.`,
      saveUsage: 'Пришлите /save со ссылкой, например: /save https://example.com/article',
      invalidUrl:
        'Это не похоже на ссылку. Пришлите /save с полной ссылкой, которая начинается с http:// или https://.',
      blocked: (p) => `Не могу открыть ${p.host}: адрес ведёт в частную или локальную сеть. Пришлите публичную ссылку.`,
      httpError: (p) => `${p.host} ответил ошибкой ${p.status}. Проверьте ссылку и попробуйте снова.`,
      unreachable: (p) => `Не получилось открыть ${p.host}. Проверьте ссылку или попробуйте позже.`,
      needsApproval: (p) =>
        `Эта ссылка ведёт на ${p.host}. Если её нужно сохранить, пришлите этот адрес командой /save.`,
      emptyPrivate:
        'Ваша библиотека пуста. Пришлите мне PDF, Word, текстовый или Markdown-файл или сохраните ссылку командой /save <ссылка> — я сохраню их для ваших вопросов.',
      emptyGroup:
        'Библиотека группы пуста. Пришлите сюда документ (упомянув меня) или сохраните ссылку командой /save <ссылка> — я сохраню их для вопросов всех участников.',
      listHeader: (p) =>
        `${plural('ru', p.total, { one: '📚 {n} документ в библиотеке', few: '📚 {n} документа в библиотеке', many: '📚 {n} документов в библиотеке', other: '📚 {n} документа в библиотеке' })}${p.pages > 1 ? ` (страница ${p.page} из ${p.pages})` : ''}`,
      listFooter: 'Спрашивайте меня о них. 🗑 удаляет документ (я сначала уточню).',
      ingesting: 'ещё читаю',
      failedStatus: 'не удалось прочитать',
      confirmDelete: (p) =>
        `Удалить «${p.title}» из библиотеки? Его фрагменты больше не будут находиться, а кнопки со ссылками на него перестанут работать.`,
      confirmYes: '🗑 Да, удалить',
      confirmNo: 'Оставить',
      deleted: (p) => `🗑 «${p.title}» удалён из библиотеки.`,
      deletedToast: 'Удалено.',
      keptToast: 'Оставлено.',
      gone: 'Этого документа больше нет в библиотеке (его удалили).',
      notYours: 'Удалить документ может только тот, кто его добавил.',
      citationPage: (p) => `📄 ${p.title} с. ${p.page}`,
      citationGone: 'Этот документ удалён из библиотеки, поэтому его фрагмента больше нет.',
      sourcePage: (p) => `${p.title}, с. ${p.page}`,
      buttonInvalid: 'Эта кнопка больше не работает. Отправьте /docs, чтобы открыть библиотеку.',
    },
  },
);

/** A byte size in the reader's words ("340 KB", "1.2 MB"). */
export function sizeWords(bytes: number, t: ReturnType<typeof docsTexts>): string {
  return bytes >= 1024 * 1024
    ? t.mb({ n: (bytes / 1024 / 1024).toFixed(1) })
    : t.kb({ n: String(Math.max(1, Math.ceil(bytes / 1024))) });
}

/** A limit in the reader's words, rounded down so a file of the size shown is never refused. */
export function limitWords(bytes: number, t: ReturnType<typeof docsTexts>): string {
  return bytes >= 1024 * 1024
    ? t.mb({ n: (Math.floor((bytes / 1024 / 1024) * 10) / 10).toFixed(1) })
    : t.kb({ n: String(Math.max(1, Math.floor(bytes / 1024))) });
}
